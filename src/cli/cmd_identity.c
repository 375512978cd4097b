/* ec identity mine | verify | show */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/mine.h"
#include "core/identity.h"
#include "crypto/hex.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static const char mine_help[] =
    "usage: %s --key FILE --bits N [options]\n"
    "\n"
    "Mines a proof-of-work identity for the key in FILE: searches salts until\n"
    "Argon2id(public key, salt) has at least N trailing zero bits (seed §5).\n"
    "Expected work: 2^N Argon2id hashes (2^(N+k) with a k-bit --prefix).\n"
    "Prints the address; refuses to start if the output file exists.\n"
    "\n"
    "  --key FILE          secret key file (from 'ec key new')\n"
    "  --bits N            required trailing zero bits, 0..64\n"
    "  --threads T         worker threads, 1..256 (default: all cores)\n"
    "  --memory-kib M      Argon2id memory in KiB, 8..1048576 (default 65536 =\n"
    "                      64 MiB)\n"
    "  --iterations I      Argon2id iterations, 1..64 (default 10)\n"
    "  --prefix BITS:HEX   also require the address (BLAKE3 of the proof of\n"
    "                      work) to start with the first BITS bits (1..64) of\n"
    "                      HEX, read from the left: HEX needs at least BITS/4\n"
    "                      digits (rounded up), and up to 64; '4:a' means an\n"
    "                      address starting with hex digit a. Only a search\n"
    "                      target: the identity does not record it\n"
    "  --out FILE          identity output (default identity.ec); the search\n"
    "                      is checkpointed to FILE.ckpt every 30 s and on\n"
    "                      Ctrl-C or SIGTERM, and resumes from it when run\n"
    "                      again with the same key, --bits, --memory-kib,\n"
    "                      --iterations and --prefix\n"
    "  --log-interval S    seconds between log lines when stderr is not a\n"
    "                      terminal, 1..86400 (default 10)\n"
    "  --help              show this help\n"
    "\n"
    "Exit: 0 mined, 1 error, 2 usage, 130 (SIGINT) or 143 (SIGTERM)\n"
    "interrupted (checkpoint saved).\n";

static int parse_prefix(const char *s, ec_id *prefix, unsigned *bits)
{
    const char *colon = strchr(s, ':');
    uint64_t b;
    char bits_str[8], hex[65];
    if (colon == NULL || colon - s == 0 || colon - s >= (long)sizeof bits_str) return -1;
    memcpy(bits_str, s, (size_t)(colon - s));
    bits_str[colon - s] = '\0';
    size_t hlen = strlen(colon + 1);
    if (!cli_parse_u64(bits_str, 1, 64, &b) || hlen == 0 || hlen > 64 || hlen * 4 < b)
        return -1;
    memset(hex, '0', 64);
    memcpy(hex, colon + 1, hlen);
    hex[64] = '\0';
    if (ec_id_from_hex(prefix, hex)) return -1;
    *bits = (unsigned)b;
    return 0;
}

static int identity_mine(const char *prog, int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", required_argument, NULL, 'k'},
        {"bits", required_argument, NULL, 'b'},
        {"threads", required_argument, NULL, 't'},
        {"memory-kib", required_argument, NULL, 'm'},
        {"iterations", required_argument, NULL, 'i'},
        {"prefix", required_argument, NULL, 'p'},
        {"out", required_argument, NULL, 'o'},
        {"log-interval", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *key = NULL, *out = "identity.ec";
    mine_job job;
    memset(&job, 0, sizeof job);
    job.params = EC_POW_PARAMS_NETWORK;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    job.threads = ncpu > 0 ? (unsigned)ncpu : 1;
    job.log_secs = 10;
    job.checkpoint_secs = 30;
    bool have_bits = false;
    uint64_t v;
    bool seen[256] = {false};
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":k:b:t:m:i:p:o:l:h", opts, NULL)) != -1) {
        if ((rc = cli_once(prog, opts, c, seen))) return rc;
        switch (c) {
        case 'k': key = optarg; break;
        case 'b':
            if (!cli_parse_u64(optarg, 0, 64, &v)) return cli_usage(prog, "--bits must be 0..64");
            job.bits = (unsigned)v;
            have_bits = true;
            break;
        case 't':
            if (!cli_parse_u64(optarg, 1, 256, &v)) return cli_usage(prog, "--threads must be 1..256");
            job.threads = (unsigned)v;
            break;
        case 'm':
            if (!cli_parse_u64(optarg, EC_POW_MEMORY_KIB_MIN, EC_POW_MEMORY_KIB_MAX, &v))
                return cli_usage(prog, "--memory-kib must be %u..%u", EC_POW_MEMORY_KIB_MIN,
                                 EC_POW_MEMORY_KIB_MAX);
            job.params.memory_kib = (uint32_t)v;
            break;
        case 'i':
            if (!cli_parse_u64(optarg, EC_POW_ITERATIONS_MIN, EC_POW_ITERATIONS_MAX, &v))
                return cli_usage(prog, "--iterations must be %u..%u", EC_POW_ITERATIONS_MIN,
                                 EC_POW_ITERATIONS_MAX);
            job.params.iterations = (uint32_t)v;
            break;
        case 'p':
            if (parse_prefix(optarg, &job.prefix, &job.prefix_bits))
                return cli_usage(prog, "--prefix must be BITS:HEX with BITS 1..64 and "
                                 "enough hex digits for BITS");
            break;
        case 'o': out = optarg; break;
        case 'l':
            if (!cli_parse_u64(optarg, 1, 86400, &v)) return cli_usage(prog, "--log-interval must be 1..86400");
            job.log_secs = (double)v;
            break;
        case 'h': printf(mine_help, prog); return CLI_EXIT_OK;
        default: return cli_bad_option(prog, c, argv);
        }
    }
    if (optind < argc) return cli_usage(prog, "unexpected argument '%s'", argv[optind]);
    if (key == NULL) return cli_usage(prog, "missing --key FILE");
    if (!have_bits) return cli_usage(prog, "missing --bits N");

    struct stat st;
    if (stat(out, &st) == 0)
        return cli_fail(prog, "%s already exists; refusing to overwrite it", out);

    ec_keypair kp;
    if ((rc = cli_load_key(prog, key, &kp))) return rc;
    job.pk = kp.pub;

    char ckpt[4096];
    if (snprintf(ckpt, sizeof ckpt, "%s.ckpt", out) >= (int)sizeof ckpt) {
        ec_sign_wipe(&kp);
        return cli_usage(prog, "--out path too long");
    }
    job.checkpoint = ckpt;
    ec_err err = mine_checkpoint_read(ckpt, &job);
    if (err == EC_ERR_NOTFOUND) {
        randombytes_buf(job.salt_base, sizeof job.salt_base);
        job.start = 0;
    } else if (err == EC_ERR_MISMATCH) {
        ec_sign_wipe(&kp);
        return cli_fail(prog, "checkpoint %s belongs to another key, difficulty, "
                        "Argon2id parameters or prefix; use the same options or delete it",
                        ckpt);
    } else if (err) {
        ec_sign_wipe(&kp);
        return cli_fail(prog, "cannot resume from checkpoint %s: %s", ckpt, ec_err_str(err));
    } else {
        fprintf(stderr, "resuming from %s: %" PRIu64 " hashes already tried\n", ckpt, job.start);
    }

    /* Fail now, not after days of mining, if the output folder is unwritable. */
    if (mine_checkpoint_write(ckpt, &job, job.start, job.elapsed_before) != EC_OK) {
        int saved = errno;
        ec_sign_wipe(&kp);
        return cli_fail(prog, "cannot write checkpoint %s: %s", ckpt, strerror(saved));
    }

    job.tty = isatty(STDERR_FILENO);
    fprintf(stderr, "expected work: 2^%u = %.0f Argon2id hashes (%u difficulty bits",
            job.bits + job.prefix_bits, ec_identity_expected_tries(job.bits, job.prefix_bits),
            job.bits);
    if (job.prefix_bits)
        fprintf(stderr, " x 2^%u for the %u-bit neighborhood prefix", job.prefix_bits,
                job.prefix_bits);
    fprintf(stderr, "); Argon2id m=%" PRIu32 " KiB t=%" PRIu32 " p=1, %u threads\n",
            job.params.memory_kib, job.params.iterations, job.threads);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    mine_result res;
    mine_run(&job, &stop_signal, &res);

    if (res.err) {
        mine_checkpoint_write(ckpt, &job, res.next, res.elapsed);
        ec_sign_wipe(&kp);
        return cli_fail(prog, "Argon2id failed: %s", ec_err_str(res.err));
    }
    if (!res.found) {
        err = mine_checkpoint_write(ckpt, &job, res.next, res.elapsed);
        ec_sign_wipe(&kp);
        if (err) fprintf(stderr, "%s: cannot save checkpoint %s\n", prog, ckpt);
        else fprintf(stderr, "interrupted; checkpoint saved to %s (run the same command to resume)\n", ckpt);
        return 128 + (res.signal ? res.signal : SIGINT);
    }

    uint8_t buf[EC_IDENTITY_LEN];
    size_t len = sizeof buf;
    err = mine_record(&job, &res, &kp, buf);
    ec_sign_wipe(&kp);
    if (err) return cli_fail(prog, "cannot encode identity: %s", ec_err_str(err));
    err = cli_write_new_file(out, buf, len, 0644);
    if (err) {
        /* Never lose a solution: print the record so it can be saved by hand. */
        char hex[2 * EC_IDENTITY_LEN + 1];
        int saved = errno;
        ec_hex_encode(hex, buf, len);
        fprintf(stderr, "identity record (hex, %zu bytes): %s\n", len, hex);
        return cli_fail(prog, "cannot write %s: %s; the record is printed above and the "
                        "checkpoint %s is kept", out,
                        err == EC_ERR_EXISTS ? "file exists" : strerror(saved), ckpt);
    }
    unlink(ckpt);
    char addr[65];
    ec_id_to_hex(&res.address, addr);
    fprintf(stderr, "mined in %.1f s; identity written to %s\n", res.elapsed, out);
    printf("%s\n", addr);
    return CLI_EXIT_OK;
}

/* Reads and decodes an identity file, printing why on failure. */
static int load_identity(const char *prog, const char *path, ec_identity *id)
{
    uint8_t *buf;
    size_t len;
    ec_err err = cli_read_file(path, &buf, &len, EC_IDENTITY_LEN);
    if (err == EC_ERR_NOTFOUND) return cli_fail(prog, "identity file %s does not exist", path);
    if (err) return cli_fail(prog, "cannot read %s: %s", path, strerror(errno));
    err = ec_identity_decode(id, buf, len);
    free(buf);
    if (err) return cli_fail(prog, "%s is not a valid identity record: %s", path, ec_err_str(err));
    return CLI_EXIT_OK;
}

static int one_file_args(const char *prog, int argc, char **argv, const char *help,
                         bool *json, const char **path)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, json ? ":jh" : ":h", opts, NULL)) != -1) {
        if (c == 'j' && json) *json = true;
        else if (c == 'h') { printf(help, prog); return -1; }
        else return cli_bad_option(prog, c, argv);
    }
    if (optind >= argc) return cli_usage(prog, "missing identity FILE");
    if (optind + 1 < argc) return cli_usage(prog, "unexpected argument '%s'", argv[optind + 1]);
    *path = argv[optind];
    return 0;
}

static const char verify_help[] =
    "usage: %s FILE\n"
    "\n"
    "Verifies an identity record: its self-signature, then its proof of work\n"
    "(one Argon2id with the parameters the record names). Prints the address.\n"
    "Exit: 0 valid, 1 invalid (the reason on stderr), 2 usage.\n";

static int identity_verify(const char *prog, int argc, char **argv)
{
    const char *path = NULL;
    int rc = one_file_args(prog, argc, argv, verify_help, NULL, &path);
    if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
    ec_identity id;
    if ((rc = load_identity(prog, path, &id))) return rc;
    ec_id pow, addr;
    ec_err err = ec_identity_verify(&id, &pow, &addr);
    if (err == EC_ERR_SIGNATURE) return cli_fail(prog, "%s: invalid: self-signature does not verify", path);
    if (err == EC_ERR_POW)
        return cli_fail(prog, "%s: invalid: proof of work below the claimed %u trailing zero bits",
                        path, id.difficulty_bits);
    if (err) return cli_fail(prog, "%s: invalid: %s", path, ec_err_str(err));
    char hex[65];
    ec_id_to_hex(&addr, hex);
    printf("valid: address %s (%u trailing zero bits)\n", hex, ec_id_ctz(&pow));
    return CLI_EXIT_OK;
}

static const char show_help[] =
    "usage: %s FILE [--json]\n"
    "\n"
    "Shows an identity record's fields, its proof of work and its address\n"
    "(computes one Argon2id), and whether it is valid.\n"
    "\n"
    "  --json   print a JSON object\n"
    "  --help   show this help\n";

static int identity_show(const char *prog, int argc, char **argv)
{
    const char *path = NULL;
    bool json = false;
    int rc = one_file_args(prog, argc, argv, show_help, &json, &path);
    if (rc) return rc < 0 ? CLI_EXIT_OK : rc;
    ec_identity id;
    if ((rc = load_identity(prog, path, &id))) return rc;
    ec_id pow, addr, kh;
    ec_err err = ec_pow_hash(&id.params, &id.public_key, id.salt, &pow);
    if (err) return cli_fail(prog, "Argon2id failed: %s", ec_err_str(err));
    ec_pow_address(&addr, &pow);
    ec_sign_keyhash(&kh, &id.public_key);
    bool sig_ok = ec_identity_check_signature(&id) == EC_OK;
    bool valid = sig_ok && ec_id_ctz(&pow) >= id.difficulty_bits;
    if (json) {
        printf("{\n  \"version\": %u,\n", id.version);
        cli_json_hex(stdout, "public_key", id.public_key.b, EC_PUBKEY_LEN, false);
        cli_json_hex(stdout, "key_hash", kh.b, EC_ID_LEN, false);
        cli_json_hex(stdout, "salt", id.salt, EC_POW_SALT_LEN, false);
        printf("  \"difficulty_bits\": %u,\n  \"timestamp\": %" PRIu64 ",\n"
               "  \"memory_kib\": %" PRIu32 ",\n  \"iterations\": %" PRIu32 ",\n"
               "  \"parallelism\": %" PRIu32 ",\n",
               id.difficulty_bits, id.timestamp, id.params.memory_kib,
               id.params.iterations, id.params.parallelism);
        cli_json_hex(stdout, "pow", pow.b, EC_ID_LEN, false);
        printf("  \"pow_trailing_zero_bits\": %u,\n", ec_id_ctz(&pow));
        cli_json_hex(stdout, "address", addr.b, EC_ID_LEN, false);
        cli_json_hex(stdout, "signature", id.signature.b, EC_SIG_LEN, false);
        printf("  \"signature_valid\": %s,\n  \"valid\": %s\n}\n",
               sig_ok ? "true" : "false", valid ? "true" : "false");
    } else {
        char h[2 * EC_SIG_LEN + 1];
        printf("version          %u\n", id.version);
        ec_hex_encode(h, id.public_key.b, EC_PUBKEY_LEN);
        printf("public_key       %s\n", h);
        ec_hex_encode(h, kh.b, EC_ID_LEN);
        printf("key_hash         %s\n", h);
        ec_hex_encode(h, id.salt, EC_POW_SALT_LEN);
        printf("salt             %s\n", h);
        printf("difficulty_bits  %u\ntimestamp        %" PRIu64 "\n", id.difficulty_bits, id.timestamp);
        printf("argon2id         m=%" PRIu32 " KiB t=%" PRIu32 " p=%" PRIu32 "\n",
               id.params.memory_kib, id.params.iterations, id.params.parallelism);
        ec_hex_encode(h, pow.b, EC_ID_LEN);
        printf("pow              %s (%u trailing zero bits)\n", h, ec_id_ctz(&pow));
        ec_hex_encode(h, addr.b, EC_ID_LEN);
        printf("address          %s\n", h);
        printf("valid            %s\n", valid ? "yes" : sig_ok ? "no (proof of work too low)"
                                                             : "no (bad self-signature)");
    }
    return CLI_EXIT_OK;
}

int cmd_identity(const char *prog, int argc, char **argv)
{
    static const cli_cmd cmds[] = {
        {"mine", identity_mine, "mine a proof-of-work identity for a key"},
        {"verify", identity_verify, "verify an identity record"},
        {"show", identity_show, "show an identity record"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(prog, cmds, argc, argv);
}
