/* Lying sync sources (scenarios/lying-source.conf; docs/CHAIN.md, "A
 * lying source"). A liar's honest core keeps running (it votes, commits
 * and keeps its real chain); the simulator answers the chain requests
 * sent to it (GET_CHAIN, GET_BODY) in its place:
 *   forge       its real chain, every header and body altered after it
 *               was signed (a flipped root byte, a flipped id byte);
 *   withhold    a shadow chain from the start: its real blocks less a
 *               share of their ids (`withhold`), empty blocks left out,
 *               every header re-signed with its key: a valid chain that
 *               omits commits;
 *   equivocate  the real chain until lie_from_ms, the shadow chain after:
 *               two signed chains of one key;
 *   mapping     (lie = mapping only) its chain is honest, but from
 *               lie_from_ms on its mapping answers name a made-up head on
 *               the real head's prev (signed claims, Minefield): its other,
 *               honest claims of the same token convict it.
 * Reports the honest nodes raise (EC_NODE_EV_SYNC_REPORT) are counted by
 * reason, against liars and against honest nodes (sim_liar_report). */
#include <stdlib.h>
#include <string.h>

#include "core/claims.h"
#include "crypto/blake3.h"
#include "ledger/tx.h"
#include "sim/sim_internal.h"
#include "wire/msg.h"

typedef struct liar {
    uint32_t node;
    uint64_t first_lie_us, first_conv_us; /* lie = mapping (0: never) */
    uint32_t convicted_by;
    uint8_t mode;           /* SIM_LIE_FORGE, _WITHHOLD, _EQUIVOCATE */
    ec_keypair key;
    ec_block_header *hdr;   /* the shadow chain, heights 1..n */
    ec_block_body *body;
    size_t n, cap;
    uint64_t real_done;     /* real heights folded into it */
    bool reported[SIM_REPORT_KINDS + 1]; /* some honest node reported it so */
} liar;

struct sim_liars {
    liar *l;
    size_t n;
};

void sim_liars_setup(sim *s)
{
    const sim_config *c = &s->cfg;
    unsigned k = (unsigned)(c->liars * c->nodes + 0.5);
    if (k == 0) return;
    sim_liars *L = calloc(1, sizeof *L);
    L->l = calloc(k, sizeof *L->l);
    ec_rng r;
    ec_rng_seed(&r, c->seed ^ 0x6c696172ull); /* apart from the network's: the rest of the run is unchanged */
    while (L->n < k) {
        uint32_t i = (uint32_t)ec_rng_below(&r, c->nodes);
        if (s->nodes[i].liar) continue;
        liar *l = &L->l[L->n];
        l->node = i;
        l->mode = c->lie == SIM_LIE_MIXED ? (uint8_t)(L->n % 3) : c->lie;
        ec_sign_keypair(&l->key, s->key_seeds[i]);
        s->nodes[i].liar = (uint32_t)++L->n;
    }
    s->liars = L;
}

void sim_liars_free(sim *s)
{
    sim_liars *L = s->liars;
    if (L == NULL) return;
    for (size_t i = 0; i < L->n; i++) {
        ec_sign_wipe(&L->l[i].key);
        free(L->l[i].hdr);
        free(L->l[i].body);
    }
    free(L->l);
    free(L);
    s->liars = NULL;
}

/* ---- the shadow chain ---- */

static bool withheld(const sim *s, const liar *l, const ec_id *id)
{
    uint64_t p = 0;
    for (int i = 0; i < 8; i++) p = p << 8 | id->b[i];
    p ^= 0x9e3779b97f4a7c15ull * (l->node + 1);
    return (double)(p >> 11) / 9007199254740992.0 < s->cfg.withhold;
}

static ec_err shadow_lookup(void *arg, uint64_t height, ec_block_header *out)
{
    const liar *l = arg;
    if (height == 0 || height > l->n) return EC_ERR_NOTFOUND;
    *out = l->hdr[height - 1];
    return EC_OK;
}

/* Folds the liar's new real blocks into its shadow chain. */
static void shadow_extend(const sim *s, liar *l)
{
    const ec_node *node = s->nodes[l->node].node;
    ec_block_header tip;
    if (ec_node_chain_tip(node, &tip) != EC_OK) return;
    if (tip.height < l->real_done) l->n = l->real_done = 0; /* its store was wiped: start again */
    for (uint64_t h = l->real_done + 1; h <= tip.height; h++) {
        ec_block_header rh, nh;
        ec_block_body rb, nb;
        if (ec_node_chain_block(node, h, &rh, &rb) != EC_OK) return;
        l->real_done = h;
        memset(&nb, 0, sizeof nb);
        for (unsigned i = 0; i < rb.count; i++)
            if (!withheld(s, l, &rb.ids[i])) nb.ids[nb.count++] = rb.ids[i];
        if (nb.count == 0) continue;
        memset(&nh, 0, sizeof nh);
        nh.height = l->n + 1;
        nh.timestamp_ms = rh.timestamp_ms;
        if (l->n) ec_block_hash(&l->hdr[l->n - 1], &nh.prev);
        ec_block_root(nb.ids, nb.count, &nh.root);
        nh.count = nb.count;
        if (ec_block_jumps_compute(nh.height, nh.timestamp_ms, shadow_lookup, l, &nh.jumps, nh.jump) != EC_OK) return;
        ec_block_sign(&nh, &l->key);
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 64;
            l->hdr = realloc(l->hdr, l->cap * sizeof *l->hdr);
            l->body = realloc(l->body, l->cap * sizeof *l->body);
        }
        l->hdr[l->n] = nh;
        l->body[l->n] = nb;
        l->n++;
    }
}

/* ---- answers ---- */

/* Whether the liar shows its shadow chain now; its block at `height`
 * (EC_ERR_NOTFOUND past its tip), and its tip, in the chain it shows. */
static bool shows_shadow(const sim *s, const liar *l)
{
    return l->mode == SIM_LIE_WITHHOLD || (l->mode == SIM_LIE_EQUIVOCATE && s->now_us / 1000 >= s->cfg.lie_from_ms);
}

static ec_err block_at(const sim *s, liar *l, uint64_t height, ec_block_header *h, ec_block_body *b)
{
    if (!shows_shadow(s, l)) return ec_node_chain_block(s->nodes[l->node].node, height, h, b);
    if (height == 0 || height > l->n) return EC_ERR_NOTFOUND;
    *h = l->hdr[height - 1];
    if (b) *b = l->body[height - 1];
    return EC_OK;
}

static uint64_t tip_of(const sim *s, liar *l)
{
    ec_block_header t;
    if (shows_shadow(s, l)) return l->n;
    return ec_node_chain_tip(s->nodes[l->node].node, &t) == EC_OK ? t.height : 0;
}

/* As the honest core marks a body's ids (serve.c): does the transaction
 * map a token sharing `bits` leading bits with the asker? */
static bool near_to(const sim *s, const liar *l, const ec_id *tx_id, const ec_id *who, unsigned bits)
{
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_tx tx;
    if (ec_store_get_tx(s->nodes[l->node].store, tx_id, buf, sizeof buf, &len) != EC_OK ||
        ec_tx_decode(&tx, buf, len) != EC_OK)
        return true;
    for (int i = 0; i < tx.n_mappings; i++)
        if (ec_id_prefix_eq(&tx.mappings[i].token, who, bits)) return true;
    return false;
}

bool sim_liar_answer(sim *s, uint32_t to, uint32_t from, const uint8_t *data, size_t len)
{
    sim_node *sn = &s->nodes[to];
    if (!sn->liar) return false;
    liar *l = &s->liars->l[sn->liar - 1];
    if (l->mode == SIM_LIE_MAPPING) return false; /* its chain is honest */
    /* A withholder shows its shadow chain from the start; a forger and an
     * equivocator let their core answer (the real chain) until lie_from. */
    if (l->mode != SIM_LIE_WITHHOLD && s->now_us / 1000 < s->cfg.lie_from_ms) return false;
    if (len == 0 || (data[0] != EC_MSG_GET_CHAIN && data[0] != EC_MSG_GET_BODY)) return false;
    ec_msg m, r;
    if (ec_msg_decode(&m, data, len) != EC_OK) return false;
    shadow_extend(s, l);
    memset(&r, 0, sizeof r);
    ec_block_header h;
    ec_block_body b;
    if (m.type == EC_MSG_GET_CHAIN) {
        r.type = EC_MSG_CHAIN;
        r.u.chain.key = l->key.pub;
        r.u.chain.tip = tip_of(s, l);
        uint64_t at = m.u.get_chain.height == 0 || m.u.get_chain.height > r.u.chain.tip ? r.u.chain.tip
                                                                                           : m.u.get_chain.height;
        for (unsigned i = 0; i < m.u.get_chain.count && at >= 1; i++, at--) {
            size_t hl;
            if (block_at(s, l, at, &h, NULL) != EC_OK) break;
            if (l->mode == SIM_LIE_FORGE) h.root.b[0] ^= 1; /* after signing: the signature no longer holds */
            if (ec_block_header_encode(&h, r.u.chain.hdr[i], EC_MSG_HEADER_MAX, &hl) != EC_OK) break;
            r.u.chain.len[i] = (uint16_t)hl;
            r.u.chain.n++;
        }
    } else {
        r.type = EC_MSG_BODY;
        r.u.body.height = m.u.get_body.height;
        size_t bl = 0;
        if (block_at(s, l, m.u.get_body.height, &h, &b) == EC_OK &&
            ec_block_body_encode(&b, r.u.body.bytes, sizeof r.u.body.bytes, &bl) == EC_OK) {
            r.u.body.len = (uint16_t)bl;
            for (unsigned i = 0; i < b.count; i++)
                if (m.u.get_body.near_bits == 0 ||
                    near_to(s, l, &b.ids[i], &s->addrs[from], m.u.get_body.near_bits))
                    r.u.body.near |= 1u << i;
            if (l->mode == SIM_LIE_FORGE) r.u.body.bytes[1] ^= 1; /* an id the root does not hold */
        }
    }
    uint8_t out[EC_MSG_MAX];
    size_t ol;
    if (ec_msg_encode(&r, out, sizeof out, &ol) != EC_OK) return true;
    s->liar_answers++;
    sim_send(s, to, from, out, ol);
    return true;
}

/* ---- what the honest nodes reported ---- */

void sim_liar_report(sim *s, uint32_t reporter, const ec_node_event *ev)
{
    uint32_t src = sim_node_of(s, &ev->from);
    if (src == UINT32_MAX || s->nodes[reporter].liar) return; /* liars' own reports are not counted */
    int what = ev->mapping >= 1 && ev->mapping <= SIM_REPORT_KINDS ? ev->mapping : 0;
    if (what == 0) return;
    if (s->nodes[src].liar && s->liars->l[s->nodes[src].liar - 1].mode < 3) {
        liar *l = &s->liars->l[s->nodes[src].liar - 1];
        s->reports_liar[l->mode][what]++;
        l->reported[what] = true;
        return;
    }
    s->reports_honest[what]++;
    /* A missing commit reported against an honest node: does its store
     * really lack the transaction (a commit it missed), or hold it? */
    if (what == EC_SYNC_REPORT_MISSING && s->nodes[src].store &&
        ec_store_has_tx(s->nodes[src].store, &ev->tx_id))
        s->reports_honest_held++;
    if (s->nodes[src].joined) s->reports_honest_wiped[what]++;
}

void sim_liar_summary(const sim *s, FILE *out)
{
    if (s->liars == NULL) return;
    unsigned modes[5] = {0};
    for (size_t i = 0; i < s->liars->n; i++) modes[s->liars->l[i].mode]++;
    if (modes[SIM_LIE_MAPPING]) {
        /* Mapping liars: how many lied, were convicted, and how fast. */
        uint64_t *d = calloc(s->liars->n, sizeof *d);
        size_t lied = 0, conv = 0, by = 0;
        for (size_t i = 0; i < s->liars->n; i++) {
            const liar *l = &s->liars->l[i];
            if (l->mode != SIM_LIE_MAPPING || l->first_lie_us == 0) continue;
            lied++;
            by += l->convicted_by;
            if (l->first_conv_us && d) d[conv++] = l->first_conv_us > l->first_lie_us ? l->first_conv_us - l->first_lie_us : 0;
        }
        for (size_t i = 1; i < conv; i++) /* insertion sort: a few hundred at most */
            for (size_t j = i; j > 0 && d[j - 1] > d[j]; j--) {
                uint64_t t = d[j];
                d[j] = d[j - 1];
                d[j - 1] = t;
            }
        fprintf(out, "  \"mapping_liars\": {\"nodes\": %u, \"lied\": %zu, \"lies\": %llu, \"convicted\": %zu, "
                "\"convicting_nodes_mean\": %.1f, \"lie_to_conviction_s\": {\"p50\": %.1f, \"max\": %.1f}},\n",
                modes[SIM_LIE_MAPPING], lied, (unsigned long long)s->mapping_lies, conv,
                lied ? (double)by / (double)lied : 0, conv ? d[(conv - 1) / 2] / 1e6 : 0, conv ? d[conv - 1] / 1e6 : 0);
        free(d);
        if (modes[SIM_LIE_MAPPING] == s->liars->n) return;
    }
    static const char *const names[] = {"", "fault", "fork", "equivocation", "stalled", "invalid", "missing"};
    fprintf(out, "  \"liars\": {\"nodes\": %zu, \"forge\": %u, \"withhold\": %u, \"equivocate\": %u, "
            "\"answers\": %llu, \"reports_on_liars\": {",
            s->liars->n, modes[0], modes[1], modes[2], (unsigned long long)s->liar_answers);
    static const char *const mode_names[] = {"forge", "withhold", "equivocate"};
    for (int m = 0; m < 3; m++) {
        fprintf(out, "%s\"%s\": {", m ? ", " : "", mode_names[m]);
        for (int k = 1; k <= SIM_REPORT_KINDS; k++)
            fprintf(out, "%s\"%s\": %llu", k > 1 ? ", " : "", names[k], (unsigned long long)s->reports_liar[m][k]);
        fputc('}', out);
    }
    /* How many liars of each kind some honest node reported, by the report
     * that is proof for that kind (fault, missing, equivocation). */
    static const int proof[3] = {EC_SYNC_REPORT_FAULT, EC_SYNC_REPORT_MISSING, EC_SYNC_REPORT_EQUIVOCATION};
    unsigned caught[3] = {0};
    for (size_t i = 0; i < s->liars->n; i++)
        if (s->liars->l[i].mode < 3) caught[s->liars->l[i].mode] += s->liars->l[i].reported[proof[s->liars->l[i].mode]];
    fprintf(out, "}, \"caught\": {\"forge\": %u, \"withhold\": %u, \"equivocate\": %u", caught[0], caught[1], caught[2]);
    fprintf(out, "}, \"reports_on_honest\": {");
    for (int k = 1; k <= SIM_REPORT_KINDS; k++)
        fprintf(out, "%s\"%s\": %llu", k > 1 ? ", " : "", names[k], (unsigned long long)s->reports_honest[k]);
    fprintf(out, "}, \"on_honest_wiped\": {");
    for (int k = 1; k <= SIM_REPORT_KINDS; k++)
        fprintf(out, "%s\"%s\": %llu", k > 1 ? ", " : "", names[k], (unsigned long long)s->reports_honest_wiped[k]);
    fprintf(out, "}, \"missing_on_honest_held\": %llu},\n", (unsigned long long)s->reports_honest_held);
}

void sim_liar_convicted(sim *s, uint32_t by, uint32_t who)
{
    if (s->liars == NULL || !s->nodes[who].liar || s->nodes[by].liar) return;
    liar *l = &s->liars->l[s->nodes[who].liar - 1];
    if (l->convicted_by++ == 0) l->first_conv_us = s->now_us;
}

bool sim_liar_rewrite(sim *s, uint32_t i, uint8_t *buf, size_t *len)
{
    if (s->liars == NULL || !s->nodes[i].liar || *len == 0 || buf[0] != EC_MSG_MAPPING) return false;
    liar *l = &s->liars->l[s->nodes[i].liar - 1];
    if (l->mode != SIM_LIE_MAPPING || s->now_us / 1000 < s->cfg.lie_from_ms) return false;
    ec_msg m;
    if (ec_msg_decode(&m, buf, *len) != EC_OK || !m.u.mapping.found || m.u.mapping.claims.n == 0) return false;
    /* A head on the real one's prev that no one committed: made up, the
     * same for the same real head (a consistent liar). */
    uint8_t in[2 * EC_ID_LEN];
    memcpy(in, m.u.mapping.tx_id.b, EC_ID_LEN);
    memcpy(in + EC_ID_LEN, s->addrs[i].b, EC_ID_LEN);
    ec_id fake;
    ec_blake3_hash(in, sizeof in, fake.b);
    m.u.mapping.tx_id = fake;
    m.u.mapping.claims.c[0].head = fake;
    ec_claims_sign(&m.u.mapping.claims, &l->key, &s->addrs[i]);
    if (!sim_msg_replace(&m, buf, len)) return false;
    if (l->first_lie_us == 0) l->first_lie_us = s->now_us;
    s->mapping_lies++;
    return true;
}
