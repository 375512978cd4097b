/* Neighborhoods: the w nodes nearest to each token of a transaction, in
 * this node's view (its peer set, itself, and the members named for the
 * transaction). Who is eligible to vote, whom to send votes to and which
 * votes count all ask this one question; the answer is cached per
 * transaction and recomputed only when the peer set (n->view_gen) or the
 * transaction's member list (p->nbr_valid) changed. */
#include <stdlib.h>
#include <string.h>

#include "core/life.h"
#include "core/node_internal.h"

/* Inserts id into a sorted nearest-first list of at most w, without dups. */
static void near_insert(ec_id *list, size_t *nl, size_t w, const ec_id *target, const ec_id *id)
{
    for (size_t i = 0; i < *nl; i++)
        if (ec_id_cmp(&list[i], id) == 0) return;
    size_t i = *nl;
    if (i == w && ec_id_cmp_distance(target, id, &list[w - 1]) >= 0) return;
    if (i == w) i--;
    else (*nl)++;
    while (i > 0 && ec_id_cmp_distance(target, id, &list[i - 1]) < 0) {
        list[i] = list[i - 1];
        i--;
    }
    list[i] = *id;
}

size_t node_nearest(const ec_node *n, const ec_id *target, const ec_id *extra, size_t nextra,
                    ec_id *out)
{
    size_t w = n->cfg.w, nl = ec_peers_nearest(n->peers, target, w, true, out);
    for (size_t i = 0; i < nextra; i++) near_insert(out, &nl, w, target, &extra[i]);
    return nl;
}

void node_view_changed(ec_node *n) { n->view_gen++; }

const ec_id *node_nbr(ec_node *n, ptx *p, int i, size_t *cnt)
{
    if (!p->have_tx || i < 0 || i >= p->tx.n_mappings) {
        *cnt = 0;
        return NULL;
    }
    if (p->nbr == NULL) {
        p->nbr = malloc((size_t)p->tx.n_mappings * n->cfg.w * sizeof *p->nbr);
        if (p->nbr == NULL) {
            *cnt = 0;
            return NULL;
        }
        p->nbr_valid = false;
    }
    if (!p->nbr_valid || p->nbr_view != n->view_gen) {
        for (int k = 0; k < p->tx.n_mappings; k++)
            p->nnbr[k] = (uint8_t)node_nearest(n, &p->tx.mappings[k].token, p->members, p->nmembers,
                                               &p->nbr[(size_t)k * n->cfg.w]);
        p->nbr_valid = true;
        p->nbr_view = n->view_gen;
    }
    *cnt = p->nnbr[i];
    return &p->nbr[(size_t)i * n->cfg.w];
}

bool node_eligible(ec_node *n, ptx *p, int i, const ec_id *id)
{
    size_t cnt;
    const ec_id *near = node_nbr(n, p, i, &cnt);
    for (size_t k = 0; k < cnt; k++)
        if (ec_id_cmp(&near[k], id) == 0) return true;
    return false;
}

bool node_admits(ec_node *n, ptx *p, int i, const ec_id *id)
{
    size_t cnt;
    const ec_id *near = node_nbr(n, p, i, &cnt);
    if (cnt < n->cfg.w) return true;
    if (node_eligible(n, p, i, id)) return true;
    return ec_id_cmp_distance(&p->tx.mappings[i].token, id, &near[cnt - 1]) < 0;
}

bool node_votes_gated(ec_node *n, ptx *p, int i)
{
    return n->cfg.life_votes && node_eligible(n, p, i, &n->addr); /* else not ours to elect for: the view rule */
}

bool node_elected(const ec_node *n, const ec_id *peer)
{
    if (ec_id_cmp(peer, &n->addr) == 0) return true;
    /* life.c's records are keyed by peer and begin with their ec_life_record. */
    const ec_life_record *r = n->life ? g_hash_table_lookup(n->life, peer) : NULL;
    return r != NULL && r->state == EC_LIFE_CONNECTED;
}

bool node_token_member(ec_node *n, ptx *p, const ec_id *id, bool would_be)
{
    for (int i = 0; p->have_tx && i < p->tx.n_mappings; i++)
        if (would_be ? node_admits(n, p, i, id) : node_eligible(n, p, i, id)) return true;
    return false;
}

/* Storage proofs (pos.h): the tokens a shared walk between us and `peer`
 * may take are those we both should hold in our view: we and the peer
 * both among the token's w nearest. (Views of that differ near its
 * edges; the region below's do not, but it reaches less.) */
typedef struct shared_arg {
    ec_node *n;
    const ec_id *peer;
} shared_arg;

static bool shared(void *arg, const ec_id *t)
{
    const shared_arg *a = arg;
    return ec_peers_responsible(a->n->peers, t, a->n->cfg.w) && ec_peers_eligible(a->n->peers, t, a->n->cfg.w, a->peer);
}

/* The region of our challenges (cfg.pos_region): the largest subtree of
 * the id space around us holding at most w nodes in our view, us
 * included: one bit longer than the prefix we share with our w-th
 * nearest peer. Every node in it must hold every token in it, whatever
 * it knows of the rest (pos.h). Fewer than w peers known: the whole
 * space (a network that small stores everything everywhere). */
unsigned node_pos_region(const ec_node *n)
{
    return n->cfg.pos_region ? ec_peers_region(n->peers, n->cfg.w) : 0;
}

bool node_pos_shared(ec_node *n, const ec_id *peer, const ec_id *token)
{
    shared_arg a = {n, peer};
    return shared(&a, token);
}

ec_err node_pos_answer(ec_node *n, const ec_id *peer, const ec_id *token, unsigned bits, unsigned plen,
                       bool only_shared, ec_pos_answer *out)
{
    shared_arg a = {n, peer};
    return ec_pos_answer_make(n->store, peer, token, bits, plen, only_shared ? shared : NULL, &a,
                              n->cfg.pos_examined_max, out, NULL);
}

ec_err node_pos_check(ec_node *n, const ec_id *peer, const ec_pos_answer *answer, bool only_shared, ec_pos_check *r)
{
    shared_arg a = {n, peer};
    return ec_pos_check_answer(n->store, &n->addr, answer, only_shared ? shared : NULL, &a,
                               n->cfg.pos_examined_max, r);
}
