/* Crash safety of the LMDB store: a child commits transactions in a loop and
 * reports each acknowledged commit (its tx id) on a pipe; the parent kills it
 * with SIGKILL at a random moment, reopens the store, and checks that every
 * acknowledged commit is there and every head points to a stored transaction
 * that maps that token. Repeated on the same database.
 *   test_crash [ROUNDS]   (default 25; the soak is scripts/soak-crash)  */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto/blake3.h"
#include "ledger_util.h"
#include "test.h"

#define NOW 1700000000000ull
#define ACKS_MAX 200000

static char dir[512];
static ec_id acked[ACKS_MAX];
static size_t n_acked;

static ec_id token_of(unsigned round, unsigned i)
{
    unsigned v[2] = {round, i};
    ec_id t;
    ec_blake3_hash(v, sizeof v, t.b);
    return t;
}

/* The child: create token i, and every other step transfer the previous
 * token to a new owner; report each committed id. Runs until killed. */
static void child(int fd, unsigned round)
{
    ec_store *s;
    ec_keypair a, b;
    ec_id prev_tok = {{0}}, prev_id = {{0}};
    tu_key(&a, 1);
    tu_key(&b, 2);
    if (ec_store_lmdb_open(&s, dir, 256u << 20) != EC_OK) _exit(3);
    for (unsigned i = 0;; i++) {
        ec_tx tx;
        ec_id tok = token_of(round, i), id;
        if (i % 2 == 1) tx = tu_tx1(&prev_tok, &b, &prev_id, &a, NOW + i);
        else tx = tu_tx1(&tok, &a, NULL, &a, NOW + i);
        if (tu_apply(s, &tx, NOW, &id) != EC_RULE_OK) _exit(4);
        /* Acknowledge only after commit returned: this id must survive. */
        if (write(fd, id.b, 32) != 32) _exit(5);
        if (i % 2 == 0) {
            prev_tok = tok;
            prev_id = id;
        }
    }
}

typedef struct check {
    ec_store *s;
    int bad;
    uint64_t seen;
} check;

static bool check_head(void *arg, const ec_id *token, const ec_head *h)
{
    check *c = arg;
    uint8_t buf[EC_TX_MAX_LEN];
    size_t len;
    ec_tx tx;
    c->seen++;
    if (ec_store_get_tx(c->s, &h->tx_id, buf, sizeof buf, &len) != EC_OK ||
        ec_tx_decode(&tx, buf, len) != EC_OK) {
        c->bad++;
        return true;
    }
    bool maps = false;
    for (int i = 0; i < tx.n_mappings; i++)
        maps |= ec_id_cmp(&tx.mappings[i].token, token) == 0 &&
                ec_id_cmp(&tx.mappings[i].owner, &h->owner) == 0;
    if (!maps) c->bad++;
    return true;
}

static int rounds = 25;

static void test_killed_writer_loses_no_acknowledged_commit(void)
{
    uint64_t rng = 0xc0ffee;
    for (int r = 0; r < rounds; r++) {
        int p[2];
        CHECK(pipe(p) == 0);
        pid_t pid = fork();
        if (pid == 0) {
            close(p[0]);
            child(p[1], (unsigned)r);
        }
        close(p[1]);
        /* Let it run 5..80 ms, reading acks meanwhile. */
        rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
        long delay_us = 5000 + (long)(rng % 75000);
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        uint8_t buf[32 * 64];
        size_t pending = 0;
        bool killed = false;
        for (;;) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            long el = (t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000;
            if (!killed && el >= delay_us) {
                kill(pid, SIGKILL);
                killed = true;
            }
            ssize_t n = read(p[0], buf + pending, sizeof buf - pending);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break; /* EOF: the child is gone */
            pending += (size_t)n;
            size_t whole = pending / 32 * 32;
            for (size_t o = 0; o < whole && n_acked < ACKS_MAX; o += 32)
                memcpy(acked[n_acked++].b, buf + o, 32);
            memmove(buf, buf + whole, pending - whole);
            pending -= whole;
        }
        close(p[0]);
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        ec_store *s;
        CHECK_EQ_INT(ec_store_lmdb_open(&s, dir, 256u << 20), EC_OK);
        if (s == NULL) return;
        size_t missing = 0;
        for (size_t i = 0; i < n_acked; i++) missing += !ec_store_has_tx(s, &acked[i]);
        check c = {s, 0, 0};
        ec_store_iterate(s, NULL, check_head, &c);
        ec_store_counts cnt;
        ec_store_counts_get(s, &cnt);
        CHECK_EQ_INT(missing, 0);
        CHECK_EQ_INT(c.bad, 0);
        CHECK(cnt.transactions >= n_acked);
        CHECK_EQ_INT(c.seen, cnt.tokens);
        ec_store_close(s);
    }
    printf("  %d kills, %zu acknowledged commits, all present\n", rounds, n_acked);
    CHECK(n_acked > (size_t)rounds); /* the children did commit work */
}

int main(int argc, char **argv)
{
    if (argc > 1) rounds = atoi(argv[1]);
    if (ec_crypto_init()) return 1;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/ec-test-crash-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) return 1;
    RUN(test_killed_writer_loses_no_acknowledged_commit);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    return TEST_REPORT("crash");
}
