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

/* What ec_store_each_rec visited: keys joined with '|', values' first byte. */
typedef struct rec_seen {
    char keys[256];
    size_t n, stop_after;
    uint8_t first_val[16];
} rec_seen;

static bool rec_visit(void *arg, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    rec_seen *r = arg;
    size_t at = strlen(r->keys);
    if (at) r->keys[at++] = '|';
    for (size_t i = 0; i < klen && at + 1 < sizeof r->keys; i++) r->keys[at++] = key[i] >= 0x20 ? (char)key[i] : '.';
    r->keys[at] = 0;
    if (r->n < sizeof r->first_val) r->first_val[r->n] = vlen ? val[0] : 0;
    r->n++;
    return r->stop_after == 0 || r->n < r->stop_after;
}

static rec_seen rec_scan(ec_store *s, const char *prefix, size_t stop_after, ec_err *err)
{
    rec_seen r;
    memset(&r, 0, sizeof r);
    r.stop_after = stop_after;
    *err = ec_store_each_rec(s, (const uint8_t *)prefix, prefix ? strlen(prefix) : 0, rec_visit, &r);
    return r;
}

static void store_records_by_prefix_in_key_order(ec_store *s)
{
    ec_err err;
    rec_seen r = rec_scan(s, NULL, 0, &err); /* an empty store */
    CHECK_EQ_INT(err, EC_OK);
    CHECK_EQ_INT(r.n, 0);
    /* Heads, transactions and votes are other tables: never visited. */
    ec_id t = tu_id(1, 1), x = tu_id(2, 2);
    ec_head h = head_of(1);
    uint8_t v1 = 1, v2 = 2, v3 = 3, v4 = 4, v5 = 5;
    CHECK_EQ_INT(ec_store_begin(s), EC_OK);
    CHECK_EQ_INT(ec_store_put_head(s, &t, &h), EC_OK);
    CHECK_EQ_INT(ec_store_put_tx(s, &x, &v1, 1), EC_OK);
    CHECK_EQ_INT(ec_store_put_vote(s, &t, &x, &x), EC_OK);
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
    r = rec_scan(s, NULL, 0, &err);
    CHECK_EQ_INT(err, EC_OK);
    CHECK_EQ_INT(r.n, 0);
    /* Written out of order; "eqx" and "eq\0" share "eq", "er" and "e" do not. */
    CHECK_EQ_INT(ec_store_begin(s), EC_OK);
    CHECK_EQ_INT(ec_store_put_rec(s, (const uint8_t *)"er", 2, &v1, 1), EC_OK);
    CHECK_EQ_INT(ec_store_put_rec(s, (const uint8_t *)"eqx", 3, &v2, 1), EC_OK);
    CHECK_EQ_INT(ec_store_put_rec(s, (const uint8_t *)"eq\0", 3, &v3, 1), EC_OK);
    CHECK_EQ_INT(ec_store_put_rec(s, (const uint8_t *)"e", 1, &v4, 1), EC_OK);
    CHECK_EQ_INT(ec_store_put_rec(s, (const uint8_t *)"eqa", 3, NULL, 0), EC_OK);
    /* Inside the write transaction its writes are seen. */
    r = rec_scan(s, "eq", 0, &err);
    CHECK_EQ_INT(err, EC_OK);
    CHECK(strcmp(r.keys, "eq.|eqa|eqx") == 0);
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
    r = rec_scan(s, NULL, 0, &err); /* every record, byte order, a key before its extensions */
    CHECK_EQ_INT(err, EC_OK);
    CHECK(strcmp(r.keys, "e|eq.|eqa|eqx|er") == 0);
    CHECK(r.n == 5 && r.first_val[0] == 4 && r.first_val[1] == 3 && r.first_val[2] == 0 &&
          r.first_val[3] == 2 && r.first_val[4] == 1);
    r = rec_scan(s, "eq", 0, &err);
    CHECK(err == EC_OK && strcmp(r.keys, "eq.|eqa|eqx") == 0);
    r = rec_scan(s, "e", 0, &err);
    CHECK(err == EC_OK && r.n == 5);
    r = rec_scan(s, "eqx", 0, &err); /* a whole key is its own prefix */
    CHECK(err == EC_OK && strcmp(r.keys, "eqx") == 0);
    r = rec_scan(s, "eqxy", 0, &err); /* longer than every key it begins like */
    CHECK(err == EC_OK && r.n == 0);
    r = rec_scan(s, "eqb", 0, &err); /* between two keys */
    CHECK(err == EC_OK && r.n == 0 && r.keys[0] == 0);
    r = rec_scan(s, "f", 0, &err); /* past the last key */
    CHECK(err == EC_OK && r.n == 0);
    r = rec_scan(s, "d", 0, &err); /* before the first */
    CHECK(err == EC_OK && r.n == 0);
    r = rec_scan(s, "eq", 2, &err); /* fn stops it */
    CHECK(err == EC_OK && strcmp(r.keys, "eq.|eqa") == 0);
    r = rec_scan(s, NULL, 1, &err);
    CHECK(err == EC_OK && strcmp(r.keys, "e") == 0);
    /* A 0xff byte sorts after every other. */
    uint8_t hi[] = {'e', 'q', 0xff}, pre[] = {'e', 'q', 0xff};
    CHECK_EQ_INT(ec_store_begin(s), EC_OK);
    CHECK_EQ_INT(ec_store_put_rec(s, hi, sizeof hi, &v5, 1), EC_OK);
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
    rec_seen q;
    memset(&q, 0, sizeof q);
    CHECK_EQ_INT(ec_store_each_rec(s, pre, sizeof pre, rec_visit, &q), EC_OK);
    CHECK(q.n == 1 && q.first_val[0] == 5);
    r = rec_scan(s, "eq", 0, &err);
    CHECK(err == EC_OK && r.n == 4 && r.first_val[3] == 5);
    /* Deleted and aborted records are gone. */
    CHECK_EQ_INT(ec_store_begin(s), EC_OK);
    CHECK_EQ_INT(ec_store_del_rec(s, (const uint8_t *)"eqa", 3), EC_OK);
    CHECK_EQ_INT(ec_store_commit(s), EC_OK);
    CHECK_EQ_INT(ec_store_begin(s), EC_OK);
    CHECK_EQ_INT(ec_store_put_rec(s, (const uint8_t *)"eqq", 3, &v1, 1), EC_OK);
    ec_store_abort(s);
    r = rec_scan(s, "eq", 0, &err);
    CHECK(err == EC_OK && r.n == 3 && strncmp(r.keys, "eq.|eqx|eq", 10) == 0);
    /* Bad arguments. */
    uint8_t longp[EC_STORE_KEY_MAX + 1] = {0};
    CHECK_EQ_INT(ec_store_each_rec(s, NULL, 0, NULL, NULL), EC_ERR_ARG);
    CHECK_EQ_INT(ec_store_each_rec(s, NULL, 2, rec_visit, &q), EC_ERR_ARG);
    CHECK_EQ_INT(ec_store_each_rec(s, longp, sizeof longp, rec_visit, &q), EC_ERR_ARG);
    /* After a restart (LMDB) the same. */
    s = ts_reopen(s);
    CHECK(s != NULL);
    if (s == NULL) return;
    r = rec_scan(s, NULL, 0, &err);
    CHECK(err == EC_OK && r.n == 5 && strncmp(r.keys, "e|eq.|eqx|eq", 12) == 0);
}

int main(void)
{
    RUN_BOTH(store_commit_makes_writes_visible);
    RUN_BOTH(store_abort_drops_every_write);
    RUN_BOTH(store_iterates_tokens_in_id_order_from_any_id);
    RUN_BOTH(store_tx_ids_are_write_once);
    RUN_BOTH(store_vote_records_commit_abort_and_delete);
    RUN_BOTH(store_records_commit_abort_and_delete);
    RUN_BOTH(store_records_by_prefix_in_key_order);
    return TEST_REPORT("store");
}
