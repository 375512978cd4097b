/* Convictions across a restart (core/convict.c): the evidence a node kept
 * ("eq" + voter in its store) sets the voter aside again in a node opened
 * later on the same store; records that are not evidence are skipped and
 * counted; ec_node_evidence_each lists what is stored. Both backends (the
 * LMDB store is closed and opened again between the two nodes). */
#include <stdlib.h>
#include <string.h>

#include "core/node.h"
#include "core/node_internal.h" /* NODE_CONVICTED_MAX */
#include "core/vote_sig.h"
#include "crypto/blake3.h"
#include "evidence_util.h"
#include "node_env.h"
#include "store_util.h"
#include "test.h"

static ec_keypair client, voter_kp, owner_kp;
static ec_id token, prev, self;

/* Real evidence against `voter`: its +1 on two transfers of one head. */
static void make_evidence(ec_vote_evidence *e, const ec_id *voter)
{
    eu_evidence(e, voter, &voter_kp, &token, &owner_kp, &prev, &client);
    CHECK_EQ_INT(ec_evidence_verify(e, NULL, NULL), EC_OK);
}

static ec_id voter_id(uint16_t i)
{
    ec_id v;
    memset(&v, 0x22, sizeof v);
    v.b[0] = (uint8_t)(i >> 8);
    v.b[1] = (uint8_t)i;
    return v;
}

/* Writes a record as convict.c does: "eq" + `under`, the encoded e (or raw
 * bytes when e is NULL). */
static void put_eq(ec_store *s, const ec_id *under, const ec_vote_evidence *e, const uint8_t *raw, size_t rawlen)
{
    uint8_t key[2 + EC_ID_LEN] = {'e', 'q'}, buf[EC_EVIDENCE_MAX];
    memcpy(key + 2, under->b, EC_ID_LEN);
    size_t len = rawlen;
    if (e) CHECK_EQ_INT(ec_evidence_encode(e, buf, sizeof buf, &len), EC_OK);
    CHECK_EQ_INT(ec_store_begin(s), EC_OK);
    CHECK_EQ_INT(ec_store_put_rec(s, key, sizeof key, e ? buf : raw, len), EC_OK);
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
}

static ec_node *open_node(ec_store *s, ec_rng *rng)
{
    ec_node_config cfg;
    ec_node_config_default(&cfg);
    ec_node *n = NULL;
    CHECK_EQ_INT(tn_new(&n, &cfg, &self, s, rng), EC_OK);
    return n;
}

/* What ec_node_evidence_each saw. */
typedef struct listed {
    ec_id voters[8];
    size_t n, stop_after;
    bool bad;
} listed;

static bool list_one(void *arg, const ec_id *voter, const ec_vote_evidence *e)
{
    listed *l = arg;
    if (ec_id_cmp(voter, &e->voter) != 0) l->bad = true;
    if (l->n < 8) l->voters[l->n] = *voter;
    l->n++;
    return l->stop_after == 0 || l->n < l->stop_after;
}

static void test_a_new_node_on_the_store_sets_the_voter_aside(ec_store *s)
{
    ec_rng rng;
    ec_rng_seed(&rng, 7);
    ec_id v1 = voter_id(1), v2 = voter_id(2), other = voter_id(9);
    ec_vote_evidence *e = malloc(sizeof *e), *got = malloc(sizeof *got);
    if (e == NULL || got == NULL) {
        CHECK(false);
        free(e);
        free(got);
        return;
    }
    ec_node *n = open_node(s, &rng);
    CHECK(n && !ec_node_convicted(n, &v1));
    listed l = {0};
    CHECK_EQ_INT(ec_node_evidence_each(n, list_one, &l), EC_OK); /* nothing stored */
    CHECK_EQ_INT(l.n, 0);
    /* Kept as convict.c keeps it, while the first node runs. */
    make_evidence(e, &v1);
    put_eq(s, &v1, e, NULL, 0);
    make_evidence(e, &v2);
    put_eq(s, &v2, e, NULL, 0);
    CHECK_EQ_INT(ec_node_evidence(n, &v1, got), EC_OK);
    ec_node_free(n);
    s = ts_reopen(s); /* LMDB: a restart from disk */
    CHECK(s != NULL);
    if (s == NULL) {
        free(e);
        free(got);
        return;
    }
    n = open_node(s, &rng);
    CHECK(n != NULL);
    if (n) {
        CHECK(ec_node_convicted(n, &v1));
        CHECK(ec_node_convicted(n, &v2));
        CHECK(!ec_node_convicted(n, &other));
        CHECK_EQ_INT(ec_node_evidence(n, &v2, got), EC_OK);
        CHECK(ec_id_cmp(&got->voter, &v2) == 0);
        const ec_node_stats *st = ec_node_stats_get(n);
        CHECK_EQ_INT(st->evidence_corrupt, 0);
        CHECK_EQ_INT(st->convicted_full, 0);
        /* The listing: exactly the two, in voter order; fn can stop it. */
        memset(&l, 0, sizeof l);
        CHECK_EQ_INT(ec_node_evidence_each(n, list_one, &l), EC_OK);
        CHECK(l.n == 2 && !l.bad && ec_id_cmp(&l.voters[0], &v1) == 0 && ec_id_cmp(&l.voters[1], &v2) == 0);
        memset(&l, 0, sizeof l);
        l.stop_after = 1;
        CHECK_EQ_INT(ec_node_evidence_each(n, list_one, &l), EC_OK);
        CHECK_EQ_INT(l.n, 1);
        CHECK_EQ_INT(ec_node_evidence_each(n, NULL, &l), EC_ERR_ARG);
        CHECK_EQ_INT(ec_node_evidence_each(NULL, list_one, &l), EC_ERR_ARG);
        ec_node_free(n);
    }
    free(e);
    free(got);
}

static void test_what_is_not_evidence_is_skipped_and_counted(ec_store *s)
{
    ec_rng rng;
    ec_rng_seed(&rng, 8);
    ec_id good = voter_id(1), junk = voter_id(2), wrong = voter_id(3), forged = voter_id(4);
    ec_vote_evidence *e = malloc(sizeof *e);
    if (e == NULL) {
        CHECK(false);
        return;
    }
    make_evidence(e, &good);
    put_eq(s, &good, e, NULL, 0);
    put_eq(s, &wrong, e, NULL, 0);  /* good's evidence under another voter's key */
    static const uint8_t garbage[] = {1, 2, 3, 4, 5};
    put_eq(s, &junk, NULL, garbage, sizeof garbage); /* does not decode */
    make_evidence(e, &forged);
    e->side[1].sig.b[3] ^= 1; /* decodes, proves nothing */
    put_eq(s, &forged, e, NULL, 0);
    uint8_t k3[] = {'e', 'q', 'x'}, ev[2 + EC_ID_LEN + 8] = {'e', 'v'};
    CHECK_EQ_INT(ec_store_begin(s), EC_OK);
    CHECK_EQ_INT(ec_store_put_rec(s, k3, sizeof k3, garbage, sizeof garbage), EC_OK); /* not a voter's key */
    CHECK_EQ_INT(ec_store_put_rec(s, ev, sizeof ev, garbage, sizeof garbage), EC_OK); /* sync's, another prefix */
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
    s = ts_reopen(s);
    CHECK(s != NULL);
    ec_node *n = s ? open_node(s, &rng) : NULL;
    if (n) {
        CHECK(ec_node_convicted(n, &good));
        CHECK(!ec_node_convicted(n, &junk));
        CHECK(!ec_node_convicted(n, &wrong));
        CHECK(!ec_node_convicted(n, &forged));
        const ec_node_stats *st = ec_node_stats_get(n);
        CHECK_EQ_INT(st->evidence_corrupt, 4); /* junk, wrong, forged, "eqx" */
        /* The listing decodes (it does not verify signatures again): the
         * forged one decodes, the other three do not and are counted. */
        listed l = {0};
        CHECK_EQ_INT(ec_node_evidence_each(n, list_one, &l), EC_OK);
        CHECK(l.n == 2 && !l.bad && ec_id_cmp(&l.voters[0], &good) == 0 && ec_id_cmp(&l.voters[1], &forged) == 0);
        CHECK_EQ_INT(st->evidence_corrupt, 4 + 3);
        ec_node_free(n);
    }
    free(e);
}

static void test_the_convicted_table_bound_holds_at_load(ec_store *s)
{
    ec_rng rng;
    ec_rng_seed(&rng, 9);
    ec_vote_evidence *e = malloc(sizeof *e);
    if (e == NULL) {
        CHECK(false);
        return;
    }
    uint8_t key[2 + EC_ID_LEN] = {'e', 'q'}, buf[EC_EVIDENCE_MAX];
    const unsigned total = NODE_CONVICTED_MAX + 2;
    CHECK_EQ_INT(ec_store_begin(s), EC_OK);
    for (unsigned i = 0; i < total; i++) {
        ec_id v = voter_id((uint16_t)i);
        make_evidence(e, &v);
        size_t len;
        memcpy(key + 2, v.b, EC_ID_LEN);
        CHECK_EQ_INT(ec_evidence_encode(e, buf, sizeof buf, &len), EC_OK);
        CHECK_EQ_INT(ec_store_put_rec(s, key, sizeof key, buf, len), EC_OK);
    }
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
    s = ts_reopen(s);
    ec_node *n = s ? open_node(s, &rng) : NULL;
    CHECK(n != NULL);
    if (n) {
        unsigned convicted = 0;
        for (unsigned i = 0; i < total; i++) {
            ec_id v = voter_id((uint16_t)i);
            convicted += ec_node_convicted(n, &v);
        }
        CHECK_EQ_INT(convicted, NODE_CONVICTED_MAX);
        CHECK_EQ_INT(ec_node_stats_get(n)->convicted_full, 2);
        CHECK_EQ_INT(ec_node_stats_get(n)->evidence_corrupt, 0);
        listed l = {0};
        CHECK_EQ_INT(ec_node_evidence_each(n, list_one, &l), EC_OK); /* the store holds them all */
        CHECK_EQ_INT(l.n, total);
        ec_node_free(n);
    }
    free(e);
}

int main(void)
{
    if (ec_crypto_init() != EC_OK) return 1;
    tu_key(&client, 1);
    tu_key(&voter_kp, 2);
    tu_key(&owner_kp, 3);
    memset(&token, 0x33, sizeof token);
    memset(&prev, 0x11, sizeof prev);
    memset(&self, 0x77, sizeof self);
    RUN_BOTH(test_a_new_node_on_the_store_sets_the_voter_aside);
    RUN_BOTH(test_what_is_not_evidence_is_skipped_and_counted);
    RUN_BOTH(test_the_convicted_table_bound_holds_at_load);
    return TEST_REPORT("convict");
}
