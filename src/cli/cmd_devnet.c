/* ec devnet up | status | down: a network of `ec node` processes on
 * loopback, for trying ec on one machine.
 *
 * DIR/node-I/ is node I's data directory (node.ini, key, identity, store,
 * log); its node.json (written by the node once it listens) records its
 * pid, port and status port, so nothing races for ports and `down` stops
 * exactly the processes recorded (their command line is checked first:
 * never a process found by name, never a pid reused by another program). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/http.h"

#define DEVNET_MAX 64
#define UP_TIMEOUT_S 60

typedef struct dnode {
    long pid;
    char endpoint[64];
    unsigned status_port;
    bool recorded, alive;
} dnode;

static const char devnet_help[] =
    "usage: %s up [-n N] [--dir DIR]\n"
    "       %s status [--dir DIR] [--json]\n"
    "       %s down [--dir DIR]\n"
    "       %s endpoint I [--dir DIR]\n"
    "\n"
    "up      starts N ec node processes (default 16, at most 64), node I on\n"
    "        127.0.0.(I+1), each in DIR/node-I with a devnet difficulty (mined in\n"
    "        milliseconds) and a free port, and returns once every node answers\n"
    "        its status page and has admitted its neighborhood's peers; prints\n"
    "        a table (node, endpoint, status URL, log). On failure it prints\n"
    "        the failing node's log tail, stops what it started, exits 1.\n"
    "status  the nodes recorded in DIR: running or not, peers, commits\n"
    "down    SIGTERM to each recorded node, SIGKILL after 10 s\n"
    "endpoint  prints node I's UDP endpoint (for --node in ec submit / get)\n"
    "\n"
    "  -n N         nodes for up, 1..64 (default 16)\n"
    "  --dir DIR    the devnet's directory (default ./devnet)\n"
    "  --json       status as JSON\n"
    "  --help       show this help\n"
    "\n"
    "Exit: 0 done, 1 failed (a node did not come up, DIR is in use), 2 usage.\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool read_node(const char *dir, int i, dnode *n)
{
    char path[4200], buf[512];
    memset(n, 0, sizeof *n);
    snprintf(path, sizeof path, "%s/node-%d/node.json", dir, i);
    FILE *f = fopen(path, "r");
    if (f == NULL) return false;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    const char *p = strstr(buf, "\"pid\": "), *e = strstr(buf, "\"endpoint\": \""), *s = strstr(buf, "\"status_port\": ");
    if (!p || !e || !s) return false;
    n->pid = strtol(p + 7, NULL, 10);
    sscanf(e + 13, "%63[^\"]", n->endpoint);
    n->status_port = (unsigned)strtoul(s + 15, NULL, 10);
    n->recorded = n->pid > 0;
    return n->recorded;
}

/* Is pid an `ec node` on this node's directory (not a reused pid)? */
static bool is_our_node(long pid, const char *dir, int i)
{
    char path[64], cmd[8192], want[4200];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) return false;
    size_t len = fread(cmd, 1, sizeof cmd - 1, f);
    fclose(f);
    cmd[len] = '\0';
    snprintf(want, sizeof want, "%s/node-%d", dir, i);
    bool node = false, data = false;
    for (size_t k = 0; k < len; k += strlen(cmd + k) + 1) {
        node |= strcmp(cmd + k, "node") == 0;
        data |= strcmp(cmd + k, want) == 0;
    }
    return node && data;
}

/* GET /status from 127.0.0.1:port, its body (cut to cap) into buf: true
 * on HTTP 200. */
static bool http_status(unsigned port, char *buf, size_t cap)
{
    char addr[32], *body = NULL;
    ec_endpoint ep;
    int code = 0;
    buf[0] = '\0';
    snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
    if (ec_endpoint_parse(&ep, addr) != EC_OK ||
        cli_http_get(&ep, "/status", 2000, (size_t)16 << 20, &code, &body, NULL) != EC_OK)
        return false;
    snprintf(buf, cap, "%s", body);
    free(body);
    return code == 200;
}

static long json_num(const char *buf, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *p = strstr(buf, k);
    return p ? strtol(p + strlen(k), NULL, 10) : -1;
}

static int count_nodes(const char *dir)
{
    int n = 0;
    char path[4200];
    struct stat st;
    for (; n < DEVNET_MAX; n++) {
        snprintf(path, sizeof path, "%s/node-%d", dir, n);
        if (stat(path, &st) != 0) break;
    }
    return n;
}

static void log_tail(const char *dir, int i)
{
    char path[4200], line[1024];
    snprintf(path, sizeof path, "%s/node-%d/log", dir, i);
    FILE *f = fopen(path, "r");
    if (f == NULL) return;
    char *lines[20] = {0};
    int k = 0;
    while (fgets(line, sizeof line, f)) {
        free(lines[k % 20]);
        lines[k % 20] = strdup(line);
        k++;
    }
    fclose(f);
    fprintf(stderr, "--- last lines of %s ---\n", path);
    for (int j = k > 20 ? k - 20 : 0; j < k; j++) fputs(lines[j % 20] ? lines[j % 20] : "", stderr);
    for (int j = 0; j < 20; j++) free(lines[j]);
}

static void stop_nodes(const char *dir, int count)
{
    dnode nodes[DEVNET_MAX];
    bool sent[DEVNET_MAX] = {false};
    for (int i = 0; i < count; i++) {
        if (read_node(dir, i, &nodes[i]) && is_our_node(nodes[i].pid, dir, i)) {
            kill((pid_t)nodes[i].pid, SIGTERM);
            sent[i] = true;
        }
    }
    double end = now_s() + 10;
    for (int i = 0; i < count; i++) {
        if (!sent[i]) continue;
        while (kill((pid_t)nodes[i].pid, 0) == 0 && is_our_node(nodes[i].pid, dir, i) && now_s() < end) {
            waitpid((pid_t)nodes[i].pid, NULL, WNOHANG); /* our own child, when up started it */
            usleep(20000);
        }
        if (kill((pid_t)nodes[i].pid, 0) == 0 && is_our_node(nodes[i].pid, dir, i)) {
            fprintf(stderr, "node %d (pid %ld) ignored SIGTERM for 10 s: SIGKILL\n", i, nodes[i].pid);
            kill((pid_t)nodes[i].pid, SIGKILL);
            waitpid((pid_t)nodes[i].pid, NULL, 0);
        }
        char path[4200];
        snprintf(path, sizeof path, "%s/node-%d/node.json", dir, i);
        unlink(path); /* a killed node could not remove it */
    }
}

static int write_config(const char *dir, int i, int n, const dnode *started)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/node-%d/node.ini", dir, i);
    FILE *f = fopen(path, "w");
    if (f == NULL) return -1;
    unsigned w = n < 8 ? (unsigned)n : 8;
    /* Node I on 127.0.0.(I+1): all of 127/8 is loopback on Linux, and
     * what a node rations per source address (handshakes, probes) is then
     * per node, as between machines. */
    fprintf(f, "; written by ec devnet up: a devnet node on loopback\n[node]\nlisten = 127.0.0.%d:0\nlog_level = info\n",
            i + 1);
    /* One bootstrap peer: the others are found as a real network's are
     * (each node asks its first peers for the peers nearest to it). */
    if (i > 0) fprintf(f, "bootstrap = %s\n", started[0].endpoint);
    fprintf(f, "\n[status]\nlisten = 127.0.0.1:0\n");
    /* Identities in milliseconds: 4 bits of 256 KiB, one pass. */
    fprintf(f, "\n[identity]\nbits = 4\nmemory_kib = 256\niterations = 1\n");
    fprintf(f, "\n[admission]\nmin_bits = 4\nn0_bits = 0\nmin_memory_kib = 256\nmin_iterations = 1\n");
    /* Blocks every 5 s and a sync round every 10 s: a devnet's chains
     * grow and are walked within a demo's minute. Two sources must agree
     * (one with a devnet of 2 nodes). */
    fprintf(f, "\n[consensus]\nw = %u\nquorum = %u\nvote_threshold = %d\ncatchup_agree = %u\nblock_interval_ms = 5000\n",
            w, w / 2 + 1, w >= 4 ? 2 : 1, w < 3 ? w : 3);
    unsigned src = n - 1 < 16 ? (unsigned)(n - 1) : 16; /* every other node, up to 2w */
    if (src < 1) src = 1;
    fprintf(f, "\n[sync]\nsources = %u\nagree = %u\ninterval_ms = 10000\n", src, src >= 2 ? 2 : 1);
    return fclose(f);
}

static pid_t spawn(const char *dir, int i)
{
    char ddir[4200], conf[4300], logp[4300];
    snprintf(ddir, sizeof ddir, "%s/node-%d", dir, i);
    snprintf(conf, sizeof conf, "%s/node.ini", ddir);
    snprintf(logp, sizeof logp, "%s/log", ddir);
    pid_t pid = fork();
    if (pid != 0) return pid;
    setsid(); /* its own session: a Ctrl-C at the terminal does not reach it */
    int fd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
    }
    if (nul >= 0) dup2(nul, STDIN_FILENO);
    execl("/proc/self/exe", "ec", "node", "--data-dir", ddir, "--config", conf, (char *)NULL);
    _exit(127);
}

static int devnet_up(const char *prog, const char *dir, int n)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) return cli_fail(prog, "cannot create %s: %s", dir, strerror(errno));
    char path[4200];
    snprintf(path, sizeof path, "%s/devnet.lock", dir);
    int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) != 0) {
        if (lock >= 0) close(lock);
        return cli_fail(prog, "another 'ec devnet up' is running on %s", dir);
    }
    int had = count_nodes(dir), alive = 0;
    for (int i = 0; i < had; i++) {
        dnode d;
        alive += read_node(dir, i, &d) && is_our_node(d.pid, dir, i);
    }
    if (alive) {
        close(lock);
        return cli_fail(prog, "a devnet is already up in %s (%d nodes running): 'ec devnet down --dir %s' first",
                        dir, alive, dir);
    }
    dnode started[DEVNET_MAX];
    memset(started, 0, sizeof started);
    fprintf(stderr, "starting %d nodes in %s\n", n, dir);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/node-%d", dir, i);
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            stop_nodes(dir, i);
            close(lock);
            return cli_fail(prog, "cannot create %s: %s", path, strerror(errno));
        }
        snprintf(path, sizeof path, "%s/node-%d/node.json", dir, i);
        unlink(path); /* a stale record of a node that died */
        if (write_config(dir, i, n, started) != 0) {
            stop_nodes(dir, i);
            close(lock);
            return cli_fail(prog, "cannot write %s/node-%d/node.ini", dir, i);
        }
        pid_t pid = spawn(dir, i);
        if (pid < 0) {
            stop_nodes(dir, i);
            close(lock);
            return cli_fail(prog, "fork: %s", strerror(errno));
        }
        double end = now_s() + UP_TIMEOUT_S;
        while (!(read_node(dir, i, &started[i]) && started[i].pid == pid)) {
            if (waitpid(pid, NULL, WNOHANG) == pid || now_s() > end) {
                log_tail(dir, i);
                stop_nodes(dir, i + 1);
                close(lock);
                return cli_fail(prog, "node %d did not start (log: %s/node-%d/log)", i, dir, i);
            }
            usleep(20000);
        }
        fprintf(stderr, "\r  %d/%d nodes listening", i + 1, n);
    }
    fprintf(stderr, "\n");
    /* Up = every status page answers, and every node admitted the peers
     * a neighborhood needs: w - 1 others (the neighborhood is the w
     * nearest, the node included), or all of them in a smaller devnet. */
    int want = n - 1 < 7 ? n - 1 : 7;
    double end = now_s() + UP_TIMEOUT_S;
    for (int i = 0; i < n; i++) {
        char buf[65536];
        for (;;) {
            bool ok = http_status(started[i].status_port, buf, sizeof buf);
            if (ok && json_num(buf, "peers_admitted") >= want) break;
            if (now_s() > end || kill((pid_t)started[i].pid, 0) != 0) {
                log_tail(dir, i);
                stop_nodes(dir, n);
                close(lock);
                return cli_fail(prog, "node %d %s within %d s", i,
                                ok ? "did not admit its neighborhood's peers" : "did not answer its status page",
                                UP_TIMEOUT_S);
            }
            usleep(50000);
        }
    }
    printf("%-5s %-22s %-38s %s\n", "node", "endpoint", "status", "log");
    for (int i = 0; i < n; i++) {
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%u/status", started[i].status_port);
        printf("%-5d %-22s %-38s %s/node-%d/log\n", i, started[i].endpoint, url, dir, i);
    }
    close(lock);
    return CLI_EXIT_OK;
}

static int devnet_status(const char *prog, const char *dir, bool json)
{
    int n = count_nodes(dir);
    if (n == 0) return cli_fail(prog, "no devnet in %s", dir);
    if (json) printf("{\"dir\": \"%s\", \"nodes\": [", dir);
    else printf("%-5s %-8s %-22s %-7s %-9s %s\n", "node", "state", "endpoint", "peers", "committed", "pid");
    int running = 0;
    for (int i = 0; i < n; i++) {
        dnode d;
        bool rec = read_node(dir, i, &d);
        bool alive = rec && is_our_node(d.pid, dir, i);
        char buf[65536];
        long peers = -1, committed = -1;
        if (alive && http_status(d.status_port, buf, sizeof buf)) {
            peers = json_num(buf, "peers_admitted");
            committed = json_num(buf, "committed");
        }
        running += alive;
        if (json)
            printf("%s\n  {\"node\": %d, \"running\": %s, \"pid\": %ld, \"endpoint\": \"%s\", \"status_port\": %u, "
                   "\"peers\": %ld, \"committed\": %ld}",
                   i ? "," : "", i, alive ? "true" : "false", alive ? d.pid : 0L, rec ? d.endpoint : "",
                   rec ? d.status_port : 0u, peers, committed);
        else
            printf("%-5d %-8s %-22s %-7ld %-9ld %ld\n", i, alive ? "running" : "stopped", rec ? d.endpoint : "-",
                   peers, committed, alive ? d.pid : 0L);
    }
    if (json) printf("\n], \"running\": %d}\n", running);
    return CLI_EXIT_OK;
}

int cmd_devnet(const char *prog, int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    if (argc < 2) { /* as every group without a command: the help, on stderr */
        fprintf(stderr, devnet_help, prog, prog, prog, prog);
        return CLI_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf(devnet_help, prog, prog, prog, prog);
        return CLI_EXIT_OK;
    }
    const char *sub = argv[1], *dir = "devnet";
    if (strcmp(sub, "up") && strcmp(sub, "status") && strcmp(sub, "down") && strcmp(sub, "endpoint"))
        return cli_usage(prog, "unknown command '%s' (up, status, down or endpoint)", sub);
    uint64_t n = 16;
    bool json = false, seen[256] = {false};
    int c, rc;
    cli_getopt_reset();
    while ((c = getopt_long(argc - 1, argv + 1, ":n:d:jh", opts, NULL)) != -1) {
        if ((rc = cli_once(prog, opts, c, seen))) return rc;
        switch (c) {
        case 'n':
            if (strcmp(sub, "up")) return cli_usage(prog, "-n applies to up");
            if (!cli_parse_u64(optarg, 1, DEVNET_MAX, &n)) return cli_usage(prog, "-n must be 1..%d", DEVNET_MAX);
            break;
        case 'd': dir = optarg; break;
        case 'j':
            if (strcmp(sub, "status")) return cli_usage(prog, "--json applies to status");
            json = true;
            break;
        case 'h': printf(devnet_help, prog, prog, prog, prog); return CLI_EXIT_OK;
        default: return cli_bad_option(prog, c, argv + 1);
        }
    }
    uint64_t which = 0;
    if (!strcmp(sub, "endpoint")) {
        if (optind >= argc - 1) return cli_usage(prog, "endpoint takes a node number");
        if (!cli_parse_u64(argv[optind + 1], 0, DEVNET_MAX - 1, &which))
            return cli_usage(prog, "'%s' is not a node number 0..%d", argv[optind + 1], DEVNET_MAX - 1);
        optind++;
    }
    if (optind < argc - 1) return cli_usage(prog, "unexpected argument '%s'", argv[optind + 1]);
    /* One spelling of DIR wherever the command runs from: the nodes'
     * command lines (checked by down) hold this absolute path. */
    if (!strcmp(sub, "up") && mkdir(dir, 0755) != 0 && errno != EEXIST)
        return cli_fail(prog, "cannot create %s: %s", dir, strerror(errno));
    char abs[4096];
    if (realpath(dir, abs) == NULL) return cli_fail(prog, "%s: %s", dir, strerror(errno));
    dir = abs;
    if (!strcmp(sub, "up")) return devnet_up(prog, dir, (int)n);
    if (!strcmp(sub, "status")) return devnet_status(prog, dir, json);
    if (!strcmp(sub, "endpoint")) {
        dnode d;
        if (!read_node(dir, (int)which, &d) || !is_our_node(d.pid, dir, (int)which))
            return cli_fail(prog, "node %d of %s is not running", (int)which, dir);
        printf("%s\n", d.endpoint);
        return CLI_EXIT_OK;
    }
    int count = count_nodes(dir);
    if (count == 0) return cli_fail(prog, "no devnet in %s", dir);
    stop_nodes(dir, count);
    fprintf(stderr, "stopped the devnet in %s\n", dir);
    return CLI_EXIT_OK;
}
