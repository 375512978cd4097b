#include "ledger_util.h"
#include "store_util.h"
#include "test.h"

static ec_head head_of(uint8_t v)
{
    ec_head h;
    h.tx_id = tu_id(0xaa, v);
    h.timestamp_ms = 1000u + v;
    h.owner = tu_id(0xbb, v);
    return h;
}

static void store_commit_makes_writes_visible(ec_store *s)
{
    ec_id t = tu_id(1, 1), x = tu_id(2, 2);
    ec_head h = head_of(1), got;
    uint8_t bytes[5] = {1, 2, 3, 4, 5}, out[8];
    size_t len = 0;
    CHECK_EQ_INT(ec_store_get_head(s, &t, &got), EC_ERR_NOTFOUND);
    CHECK_EQ_INT(ec_store_put_head(s, &t, &h), EC_ERR_ARG); /* no write txn */
    CHECK_EQ_INT(ec_store_begin(s), EC_OK);
    CHECK_EQ_INT(ec_store_begin(s), EC_ERR_ARG);
    CHECK_EQ_INT(ec_store_put_head(s, &t, &h), EC_OK);
    CHECK_EQ_INT(ec_store_put_tx(s, &x, bytes, 5), EC_OK);
    CHECK_EQ_INT(ec_store_get_head(s, &t, &got), EC_OK); /* sees its own writes */
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
    CHECK_EQ_INT(ec_store_get_head(s, &t, &got), EC_OK);
    CHECK(memcmp(&got.tx_id, &h.tx_id, 32) == 0 && got.timestamp_ms == h.timestamp_ms &&
          memcmp(&got.owner, &h.owner, 32) == 0);
    CHECK_EQ_INT(ec_store_get_tx(s, &x, out, 3, &len), EC_ERR_RANGE);
    CHECK_EQ_INT(len, 5);
    CHECK_EQ_INT(ec_store_get_tx(s, &x, out, sizeof out, &len), EC_OK);
    CHECK(len == 5 && memcmp(out, bytes, 5) == 0);
    CHECK(ec_store_has_tx(s, &x));
    CHECK(!ec_store_has_tx(s, &t));
}

static void store_abort_drops_every_write(ec_store *s)
{
    ec_id t = tu_id(1, 1), t2 = tu_id(1, 2), x = tu_id(2, 2);
    ec_head h1 = head_of(1), h2 = head_of(2), got;
    ec_store_counts c;
    uint8_t bytes[3] = {7, 8, 9};
    ec_store_begin(s);
    ec_store_put_head(s, &t, &h1);
    ec_store_commit(s);
    CHECK_EQ_INT(ec_store_begin(s), EC_OK);
    ec_store_put_head(s, &t, &h2);  /* replace */
    ec_store_put_head(s, &t2, &h2); /* new */
    ec_store_put_head(s, &t2, &h1); /* new, then replaced in the same txn */
    ec_store_put_tx(s, &x, bytes, 3);
    ec_store_abort(s);
    CHECK_EQ_INT(ec_store_get_head(s, &t, &got), EC_OK);
    CHECK(got.timestamp_ms == h1.timestamp_ms);
    CHECK_EQ_INT(ec_store_get_head(s, &t2, &got), EC_ERR_NOTFOUND);
    CHECK(!ec_store_has_tx(s, &x));
    CHECK_EQ_INT(ec_store_counts_get(s, &c), EC_OK);
    CHECK(c.tokens == 1 && c.transactions == 0);
}

typedef struct collect {
    ec_id ids[64];
    int n, stop_after;
} collect;

static bool collect_fn(void *arg, const ec_id *token, const ec_head *h)
{
    collect *c = arg;
    (void)h;
    c->ids[c->n++] = *token;
    return c->n != c->stop_after;
}

static void store_iterates_tokens_in_id_order_from_any_id(ec_store *s)
{
    /* Insert 40 tokens in a scrambled order. */
    ec_store_begin(s);
    for (int i = 0; i < 40; i++) {
        uint8_t v = (uint8_t)((i * 17) % 40);
        ec_id t = tu_id((uint8_t)(v * 5), v);
        ec_head h = head_of(v);
        ec_store_put_head(s, &t, &h);
    }
    ec_store_commit(s);
    collect c = {.n = 0, .stop_after = -1};
    CHECK_EQ_INT(ec_store_iterate(s, NULL, collect_fn, &c), EC_OK);
    CHECK_EQ_INT(c.n, 40);
    for (int i = 1; i < c.n; i++) CHECK(ec_id_cmp(&c.ids[i - 1], &c.ids[i]) < 0);
    /* From an id between two tokens: starts at the next one. */
    ec_id from = tu_id(50, 0); /* tokens have b[0] = 5v: 50 is v = 10, b[31]=10 > 0 */
    c.n = 0;
    ec_store_iterate(s, &from, collect_fn, &c);
    CHECK_EQ_INT(c.n, 30);
    CHECK(c.ids[0].b[0] == 50 && c.ids[0].b[31] == 10);
    /* Early stop. */
    c.n = 0;
    c.stop_after = 3;
    ec_store_iterate(s, NULL, collect_fn, &c);
    CHECK_EQ_INT(c.n, 3);
    ec_store_counts cnt;
    ec_store_counts_get(s, &cnt);
    CHECK_EQ_INT(cnt.tokens, 40);
}

static void store_tx_ids_are_write_once(ec_store *s)
{
    ec_id x = tu_id(3, 3);
    uint8_t a[2] = {1, 1}, b[2] = {2, 2}, out[2];
    size_t len;
    ec_store_begin(s);
    ec_store_put_tx(s, &x, a, 2);
    ec_store_commit(s);
    ec_store_begin(s);
    CHECK_EQ_INT(ec_store_put_tx(s, &x, b, 2), EC_OK);
    ec_store_commit(s);
    ec_store_get_tx(s, &x, out, 2, &len);
    CHECK(out[0] == 1);
}

static void store_vote_records_commit_abort_and_delete(ec_store *s)
{
    ec_id t = tu_id(4, 1), prev = tu_id(5, 1), zero = {{0}}, x = tu_id(6, 1), y = tu_id(6, 2), got;
    ec_store_counts c;
    CHECK_EQ_INT(ec_store_get_vote(s, &t, &prev, &got), EC_ERR_NOTFOUND);
    CHECK_EQ_INT(ec_store_put_vote(s, &t, &prev, &x), EC_ERR_ARG); /* no write txn */
    ec_store_begin(s);
    CHECK_EQ_INT(ec_store_put_vote(s, &t, &prev, &x), EC_OK);
    CHECK_EQ_INT(ec_store_put_vote(s, &t, &zero, &y), EC_OK); /* a create's record */
    CHECK_EQ_INT(ec_store_get_vote(s, &t, &prev, &got), EC_OK); /* sees its own write */
    CHECK(ec_id_cmp(&got, &x) == 0);
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
    CHECK_EQ_INT(ec_store_get_vote(s, &t, &zero, &got), EC_OK);
    CHECK(ec_id_cmp(&got, &y) == 0);
    CHECK_EQ_INT(ec_store_get_vote(s, &prev, &t, &got), EC_ERR_NOTFOUND); /* key order matters */
    /* Overwrite and delete, then abort: both undone. */
    ec_store_begin(s);
    CHECK_EQ_INT(ec_store_put_vote(s, &t, &prev, &y), EC_OK);
    CHECK_EQ_INT(ec_store_del_vote(s, &t, &zero), EC_OK);
    CHECK_EQ_INT(ec_store_get_vote(s, &t, &zero, &got), EC_ERR_NOTFOUND);
    ec_store_abort(s);
    CHECK_EQ_INT(ec_store_get_vote(s, &t, &prev, &got), EC_OK);
    CHECK(ec_id_cmp(&got, &x) == 0);
    CHECK_EQ_INT(ec_store_get_vote(s, &t, &zero, &got), EC_OK);
    CHECK_EQ_INT(ec_store_counts_get(s, &c), EC_OK);
    CHECK_EQ_INT(c.votes, 2);
    /* Delete committed; deleting an absent record is fine. */
    ec_store_begin(s);
    CHECK_EQ_INT(ec_store_del_vote(s, &t, &prev), EC_OK);
    CHECK_EQ_INT(ec_store_del_vote(s, &t, &prev), EC_OK);
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
    CHECK_EQ_INT(ec_store_get_vote(s, &t, &prev, &got), EC_ERR_NOTFOUND);
    ec_store_counts_get(s, &c);
    CHECK_EQ_INT(c.votes, 1);
}

static void store_records_commit_abort_and_delete(ec_store *s)
{
    const uint8_t k1[] = {'b', 0, 0, 0, 1}, k2[] = {'o'}, k3[] = {'b', 0, 0, 0, 2};
    uint8_t big[EC_STORE_VAL_MAX], got[EC_STORE_VAL_MAX];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 31);
    size_t len = 0;
    CHECK_EQ_INT(ec_store_get_rec(s, k1, sizeof k1, got, sizeof got, &len), EC_ERR_NOTFOUND);
    CHECK_EQ_INT(ec_store_put_rec(s, k1, sizeof k1, big, 10), EC_ERR_ARG); /* no write txn */
    ec_store_begin(s);
    CHECK_EQ_INT(ec_store_put_rec(s, k1, 0, big, 10), EC_ERR_ARG);                    /* empty key */
    CHECK_EQ_INT(ec_store_put_rec(s, k1, EC_STORE_KEY_MAX + 1, big, 10), EC_ERR_ARG); /* long key */
    CHECK_EQ_INT(ec_store_put_rec(s, k1, sizeof k1, big, EC_STORE_VAL_MAX + 1), EC_ERR_ARG);
    CHECK_EQ_INT(ec_store_put_rec(s, k1, sizeof k1, big, EC_STORE_VAL_MAX), EC_OK);
    CHECK_EQ_INT(ec_store_put_rec(s, k2, sizeof k2, NULL, 0), EC_OK); /* an empty value */
    CHECK_EQ_INT(ec_store_get_rec(s, k1, sizeof k1, got, sizeof got, &len), EC_OK); /* its own write */
    CHECK(len == EC_STORE_VAL_MAX && memcmp(got, big, len) == 0);
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
    CHECK_EQ_INT(ec_store_get_rec(s, k1, sizeof k1, got, 5, &len), EC_ERR_RANGE);
    CHECK_EQ_INT(len, EC_STORE_VAL_MAX);
    CHECK_EQ_INT(ec_store_get_rec(s, k2, sizeof k2, got, sizeof got, &len), EC_OK);
    CHECK_EQ_INT(len, 0);
    CHECK_EQ_INT(ec_store_get_rec(s, k1, 4, got, sizeof got, &len), EC_ERR_NOTFOUND); /* a prefix is another key */
    /* Overwrite, delete and a new record, then abort: all undone. */
    ec_store_begin(s);
    CHECK_EQ_INT(ec_store_put_rec(s, k1, sizeof k1, big + 1, 7), EC_OK);
    CHECK_EQ_INT(ec_store_put_rec(s, k1, sizeof k1, big + 2, 9), EC_OK);
    CHECK_EQ_INT(ec_store_del_rec(s, k2, sizeof k2), EC_OK);
    CHECK_EQ_INT(ec_store_put_rec(s, k3, sizeof k3, big, 3), EC_OK);
    CHECK_EQ_INT(ec_store_get_rec(s, k1, sizeof k1, got, sizeof got, &len), EC_OK);
    CHECK(len == 9 && memcmp(got, big + 2, 9) == 0);
    ec_store_abort(s);
    CHECK_EQ_INT(ec_store_get_rec(s, k1, sizeof k1, got, sizeof got, &len), EC_OK);
    CHECK(len == EC_STORE_VAL_MAX && memcmp(got, big, len) == 0);
    CHECK_EQ_INT(ec_store_get_rec(s, k2, sizeof k2, got, sizeof got, &len), EC_OK);
    CHECK_EQ_INT(ec_store_get_rec(s, k3, sizeof k3, got, sizeof got, &len), EC_ERR_NOTFOUND);
    /* Delete committed; deleting an absent record is fine. */
    ec_store_begin(s);
    CHECK_EQ_INT(ec_store_del_rec(s, k1, sizeof k1), EC_OK);
    CHECK_EQ_INT(ec_store_del_rec(s, k1, sizeof k1), EC_OK);
    CHECK_EQ_INT(ec_store_del_rec(s, k3, sizeof k3), EC_OK);
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
    CHECK_EQ_INT(ec_store_get_rec(s, k1, sizeof k1, got, sizeof got, &len), EC_ERR_NOTFOUND);
}

int main(void)
{
    RUN_BOTH(store_commit_makes_writes_visible);
    RUN_BOTH(store_abort_drops_every_write);
    RUN_BOTH(store_iterates_tokens_in_id_order_from_any_id);
    RUN_BOTH(store_tx_ids_are_write_once);
    RUN_BOTH(store_vote_records_commit_abort_and_delete);
    RUN_BOTH(store_records_commit_abort_and_delete);
    return TEST_REPORT("store");
}
