/* Byzantine voters (docs/SECURITY.md). A Byzantine node's core is the
 * honest one (it keeps its sticky votes, commits what it sees); the
 * simulator rewrites the votes it sends, signed with its own key:
 *   equivocate  every vote of its own says +1 on every token (so both
 *               sides of a double spend get its +1: two signed votes for
 *               conflicting transactions on one head);
 *   withhold    its own votes are never sent (a liveness attack), in
 *               direct votes and in the bundles it relays.
 * Placement: `random` (a seeded choice of nodes), or `together` (the
 * nodes nearest to one target point, as if their identities had been
 * mined there, seed §5.3; `target_share` of the created tokens are then
 * placed at that point, so the double-spending clients aim there). Their
 * own commits are left out of the safety check: it is the honest nodes'
 * agreement that counts. */
#include <stdlib.h>
#include <string.h>

#include "core/vote_sig.h"
#include "sim/sim_internal.h"

struct sim_byz {
    ec_keypair *keys; /* per Byzantine node, by sim_node.byz - 1 */
    uint32_t *node;
    size_t n;
    ec_id target;     /* `together`: where they sit */
};

void sim_byz_setup(sim *s)
{
    const sim_config *c = &s->cfg;
    unsigned k = (unsigned)(c->byzantine * c->nodes + 0.5);
    if (k == 0) return;
    sim_byz *b = calloc(1, sizeof *b);
    b->keys = calloc(k, sizeof *b->keys);
    b->node = calloc(k, sizeof *b->node);
    ec_rng r;
    ec_rng_seed(&r, c->seed ^ 0x62797a616e74ull); /* apart from the network's */
    ec_rng_bytes(&r, b->target.b, EC_ID_LEN);
    uint32_t *near = NULL;
    if (c->byz_together) {
        near = calloc(k, sizeof *near);
        k = (unsigned)sim_true_nearest(s, &b->target, k, near);
    }
    while (b->n < k) {
        uint32_t i = near ? near[b->n] : (uint32_t)ec_rng_below(&r, c->nodes);
        if (s->nodes[i].byz) continue;
        b->node[b->n] = i;
        ec_sign_keypair(&b->keys[b->n], s->key_seeds[i]);
        s->nodes[i].byz = (uint32_t)++b->n;
    }
    free(near);
    s->byz = b;
}

void sim_byz_free(sim *s)
{
    sim_byz *b = s->byz;
    if (b == NULL) return;
    for (size_t i = 0; i < b->n; i++) ec_sign_wipe(&b->keys[i]);
    free(b->keys);
    free(b->node);
    free(b);
    s->byz = NULL;
}

const ec_id *sim_byz_target(const sim *s)
{
    return s->byz && s->cfg.byz_together ? &s->byz->target : NULL;
}

size_t sim_byz_count(const sim *s)
{
    return s->byz ? s->byz->n : 0;
}

/* One of its own signed votes, made +1 on every token and signed again. */
static void plus_all(const ec_keypair *kp, ec_msg_signed_vote *v, const ec_id *self, const ec_id *tx_id, uint8_t n)
{
    for (uint8_t i = 0; i < n; i++) v->values[i] = 1;
    v->voter = *self;
    ec_vote_sign(v, kp, tx_id, n);
}

bool sim_byz_rewrite(sim *s, uint32_t i, uint8_t *buf, size_t *len)
{
    uint32_t bi = s->nodes[i].byz;
    if (bi == 0 || *len == 0 || (buf[0] != EC_MSG_VOTE && buf[0] != EC_MSG_VOTES)) return true;
    ec_msg m;
    if (ec_msg_decode(&m, buf, *len) != EC_OK) return true;
    const ec_keypair *kp = &s->byz->keys[bi - 1];
    const ec_id *self = &s->addrs[i];
    bool withhold = s->cfg.byz_behaviour == SIM_BYZ_WITHHOLD;
    if (m.type == EC_MSG_VOTE) {
        if (withhold) {
            s->byz_votes_rewritten++;
            return false;
        }
        plus_all(kp, &m.u.vote.v, self, &m.u.vote.tx_id, m.u.vote.n);
    } else {
        uint8_t kept = 0;
        for (uint8_t j = 0; j < m.u.votes.count; j++) {
            ec_msg_signed_vote *v = &m.u.votes.v[j];
            if (ec_id_cmp(&v->voter, self) == 0) {
                if (withhold) continue;
                plus_all(kp, v, self, &m.u.votes.tx_id, m.u.votes.n);
            }
            m.u.votes.v[kept++] = *v;
        }
        if (kept == 0) return false;
        m.u.votes.count = kept;
    }
    s->byz_votes_rewritten++;
    size_t out;
    uint8_t tmp[EC_MSG_MAX];
    if (ec_msg_encode(&m, tmp, sizeof tmp, &out) != EC_OK) return false;
    memcpy(buf, tmp, out);
    *len = out;
    return true;
}
