/* ec node: the daemon (net/daemon.h) over a data directory.
 *
 * DIR/key.ec        the node's Ed25519 key (made on first start, mode 0600)
 * DIR/identity.ec   its identity record (mined on first start, with
 *                   progress; resumable from DIR/identity.ec.ckpt)
 * DIR/store/        the LMDB ledger
 * DIR/store.bond    the id of the store this identity signs with (a lost
 *                   store is refused: store_bond.c)
 * DIR/lock          held while the node runs: one node per directory
 * DIR/node.json     written once the node listens: pid, address, endpoint,
 *                   status URL (what `ec devnet` reads); removed at exit */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/mine.h"
#include "crypto/keyfile.h"
#include "net/config.h"
#include "net/daemon.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static const char node_help[] =
    "usage: %s --data-dir DIR [--config FILE] [options]\n"
    "\n"
    "Runs an ec node: encrypted UDP (Noise IK sessions), the consensus core,\n"
    "an LMDB store in DIR/store, and a status page on localhost\n"
    "(/status JSON, /metrics Prometheus). On first start it makes a key\n"
    "(DIR/key.ec) and mines an identity (DIR/identity.ec) at identity.bits.\n"
    "Settings come from FILE (INI; every key in docs/NODE.md), then from\n"
    "the options below. SIGTERM or SIGINT: stops cleanly and exits 0.\n"
    "\n"
    "  --data-dir DIR        key, identity, store and lock (created if missing)\n"
    "  --config FILE         INI settings file\n"
    "  --listen HOST:PORT    UDP address (node.listen; default 0.0.0.0:7455;\n"
    "                        port 0 picks a free one)\n"
    "  --bootstrap HOST:PORT a peer to start from (node.bootstrap; repeatable)\n"
    "  --status IPV4:PORT    status page address (status.listen; default\n"
    "                        127.0.0.1:7456; port 0 = a free port; the port\n"
    "                        in use is written to DIR/node.json)\n"
    "  --log-level LEVEL     error, warn, info (default) or debug\n"
    "  --set SECTION.KEY=V   any setting of the file (repeatable)\n"
    "  --print-config        print the settings in effect as an INI file, exit\n"
    "  --accept-store-loss   start although DIR/store is not the store this\n"
    "                        identity signed with (DIR/store.bond): lost votes\n"
    "                        and blocks can make it sign evidence against\n"
    "                        itself; a new identity is the safe way\n"
    "  --help                show this help\n"
    "\n"
    "Exit: 0 stopped by SIGTERM/SIGINT, 1 could not start (the reason on\n"
    "stderr), 2 usage or a bad setting (FILE:LINE: reason).\n";

static int set_kv(const char *prog, ec_node_settings *s, const char *kv)
{
    char buf[512], why[256];
    const char *dot = strchr(kv, '.'), *eq = strchr(kv, '=');
    if (dot == NULL || eq == NULL || dot > eq || strlen(kv) >= sizeof buf)
        return cli_usage(prog, "--set takes SECTION.KEY=VALUE, not '%s'", kv);
    memcpy(buf, kv, strlen(kv) + 1);
    buf[dot - kv] = '\0';
    buf[eq - kv] = '\0';
    if (ec_node_settings_set(s, buf, buf + (dot - kv) + 1, buf + (eq - kv) + 1, why, sizeof why) != EC_OK)
        return cli_usage(prog, "%s", why);
    return 0;
}

/* Loads DIR/key.ec and DIR/identity.ec, making them if missing. */
static int ensure_identity(const char *prog, const char *dir, const ec_node_settings *s, ec_keypair *kp,
                           uint8_t record[EC_IDENTITY_LEN])
{
    char kpath[4096], ipath[4096], ckpt[4200];
    snprintf(kpath, sizeof kpath, "%s/key.ec", dir);
    snprintf(ipath, sizeof ipath, "%s/identity.ec", dir);
    snprintf(ckpt, sizeof ckpt, "%s.ckpt", ipath);
    ec_err err = ec_keyfile_read(kp, kpath);
    if (err == EC_ERR_NOTFOUND) {
        uint8_t seed[EC_SEED_LEN];
        randombytes_buf(seed, sizeof seed);
        err = ec_sign_keypair(kp, seed);
        sodium_memzero(seed, sizeof seed);
        if (!err) err = ec_keyfile_write(kpath, kp);
        if (err) return cli_fail(prog, "cannot write %s: %s", kpath, strerror(errno));
        fprintf(stderr, "new key: %s\n", kpath);
    } else if (err) {
        return cli_fail(prog, "cannot read %s: %s", kpath, err == EC_ERR_IO ? strerror(errno) : ec_err_str(err));
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    err = cli_read_file(ipath, &buf, &len, EC_IDENTITY_LEN);
    if (err == EC_OK) {
        ec_identity id;
        if (len != EC_IDENTITY_LEN || ec_identity_decode(&id, buf, len) != EC_OK ||
            memcmp(id.public_key.b, kp->pub.b, sizeof kp->pub.b) != 0) {
            free(buf);
            return cli_fail(prog, "%s is not an identity record of %s", ipath, kpath);
        }
        memcpy(record, buf, EC_IDENTITY_LEN);
        free(buf);
        return 0;
    }
    free(buf);
    if (err != EC_ERR_NOTFOUND) return cli_fail(prog, "cannot read %s: %s", ipath, strerror(errno));

    mine_job job;
    memset(&job, 0, sizeof job);
    job.params = s->mine_params;
    job.pk = kp->pub;
    job.bits = s->mine_bits;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    job.threads = ncpu > 0 ? (unsigned)ncpu : 1;
    job.log_secs = 10;
    job.checkpoint_secs = 30;
    job.checkpoint = ckpt;
    job.tty = isatty(STDERR_FILENO);
    if (mine_checkpoint_read(ckpt, &job) != EC_OK) {
        randombytes_buf(job.salt_base, sizeof job.salt_base);
        job.start = 0;
        job.elapsed_before = 0;
    }
    fprintf(stderr, "mining an identity: 2^%u Argon2id hashes expected (m=%" PRIu32 " KiB t=%" PRIu32 "), %u threads\n",
            job.bits, job.params.memory_kib, job.params.iterations, job.threads);
    mine_result res;
    mine_run(&job, &stop_signal, &res);
    if (res.err) return cli_fail(prog, "Argon2id failed: %s", ec_err_str(res.err));
    if (!res.found) {
        fprintf(stderr, "%s: interrupted; mining resumes from %s at the next start\n", prog, ckpt);
        return 128 + (res.signal ? res.signal : SIGINT);
    }
    if (mine_record(&job, &res, kp, record) != EC_OK || cli_write_new_file(ipath, record, EC_IDENTITY_LEN, 0644) != EC_OK)
        return cli_fail(prog, "cannot write %s: %s", ipath, strerror(errno));
    unlink(ckpt);
    fprintf(stderr, "identity mined in %.1f s: %s\n", res.elapsed, ipath);
    return 0;
}

static int write_node_json(const char *dir, ec_daemon *d)
{
    char path[4096], tmp[4200], hex[65], ep[EC_ENDPOINT_STR_MAX];
    snprintf(path, sizeof path, "%s/node.json", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) return -1;
    ec_id_to_hex(ec_daemon_addr(d), hex);
    ec_endpoint_format(ec_daemon_endpoint(d), ep);
    fprintf(f, "{\"pid\": %ld, \"addr\": \"%s\", \"endpoint\": \"%s\", \"status_port\": %u}\n", (long)getpid(), hex,
            ep, (unsigned)ec_daemon_status_port(d));
    if (fclose(f) != 0) return -1;
    return rename(tmp, path); /* readers never see half a file */
}

int cmd_node(const char *prog, int argc, char **argv)
{
    static const struct option opts[] = {
        {"data-dir", required_argument, NULL, 'd'}, {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, 'l'},   {"bootstrap", required_argument, NULL, 'b'},
        {"status", required_argument, NULL, 's'},   {"log-level", required_argument, NULL, 'v'},
        {"set", required_argument, NULL, 'S'},      {"print-config", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},           {"accept-store-loss", no_argument, NULL, 'A'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL, *config = NULL;
    bool print = false, accept_loss = false;
    bool seen[256] = {false};
    /* Flags apply after the file: collect them first. */
    const char *flags[256];
    char fkind[256];
    int nflags = 0, c, rc;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":d:c:l:b:s:v:S:phA", opts, NULL)) != -1) {
        if (c != 'b' && c != 'S' && (rc = cli_once(prog, opts, c, seen))) return rc;
        switch (c) {
        case 'd': dir = optarg; break;
        case 'c': config = optarg; break;
        case 'l': case 'b': case 's': case 'v': case 'S':
            if (nflags == 256) return cli_usage(prog, "too many options");
            fkind[nflags] = (char)c;
            flags[nflags++] = optarg;
            break;
        case 'p': print = true; break;
        case 'A': accept_loss = true; break;
        case 'h': printf(node_help, prog); return CLI_EXIT_OK;
        default: return cli_bad_option(prog, c, argv);
        }
    }
    if (optind < argc) return cli_usage(prog, "unexpected argument '%s'", argv[optind]);
    ec_node_settings s;
    ec_node_settings_default(&s);
    char why[512];
    if (config) {
        ec_err err = ec_node_settings_load(&s, config, why, sizeof why);
        if (err == EC_ERR_ARG) return cli_usage(prog, "%s", why);
        if (err) return cli_fail(prog, "%s", why);
    }
    for (int i = 0; i < nflags; i++) {
        static const char *const key[] = {['l'] = "listen", ['b'] = "bootstrap", ['s'] = "listen", ['v'] = "log_level"};
        int k = fkind[i];
        if (k == 'S') {
            if ((rc = set_kv(prog, &s, flags[i]))) return rc;
            continue;
        }
        if (ec_node_settings_set(&s, k == 's' ? "status" : "node", key[k], flags[i], why, sizeof why) != EC_OK)
            return cli_usage(prog, "%s", why);
    }
    if (print) {
        ec_node_settings_write(&s, stdout);
        return CLI_EXIT_OK;
    }
    if (dir == NULL) return cli_usage(prog, "missing --data-dir DIR");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return cli_fail(prog, "cannot create %s: %s", dir, strerror(errno));

    char path[4200];
    snprintf(path, sizeof path, "%s/lock", dir);
    int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0) return cli_fail(prog, "cannot open %s: %s", path, strerror(errno));
    if (flock(lock, LOCK_EX | LOCK_NB) != 0) {
        close(lock);
        return cli_fail(prog, "another ec node is running on %s (it holds %s)", dir, path);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: the loop's wait returns */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    ec_keypair kp;
    uint8_t record[EC_IDENTITY_LEN];
    if ((rc = ensure_identity(prog, dir, &s, &kp, record))) {
        close(lock);
        return rc;
    }
    snprintf(path, sizeof path, "%s/store", dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        ec_sign_wipe(&kp);
        close(lock);
        return cli_fail(prog, "cannot create %s: %s", path, strerror(errno));
    }
    ec_store *store = NULL;
    ec_err err = ec_store_lmdb_open(&store, path, s.map_size_mb << 20);
    if (err) {
        ec_sign_wipe(&kp);
        close(lock);
        return cli_fail(prog, "cannot open the store %s: %s", path,
                        err == EC_ERR_IO || err == EC_ERR_PERM ? strerror(errno) : ec_err_str(err));
    }
    if ((rc = cli_store_bond(prog, dir, store, accept_loss))) {
        ec_sign_wipe(&kp);
        ec_store_close(store);
        close(lock);
        return rc;
    }
    ec_daemon *d = NULL;
    err = ec_daemon_new(&d, &s.d, store, &kp, record, why, sizeof why);
    ec_sign_wipe(&kp);
    if (err) {
        ec_store_close(store);
        close(lock);
        return cli_fail(prog, "%s", why);
    }
    if (write_node_json(dir, d) != 0) fprintf(stderr, "%s: cannot write %s/node.json: %s\n", prog, dir, strerror(errno));
    rc = CLI_EXIT_OK;
    if (!stop_signal && ec_daemon_run(d, &stop_signal) != EC_OK) rc = CLI_EXIT_FAIL;
    ec_daemon_free(d);
    ec_store_close(store);
    snprintf(path, sizeof path, "%s/node.json", dir);
    unlink(path);
    close(lock);
    return rc;
}
