/* ec sim run: the deterministic simulator (src/sim). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/sim_pos.h"
#include "sim/sim.h"

static const char run_help[] =
    "usage: %s SCENARIO_FILE [--seed N] [--nodes N] [--txs N] [--csv FILE]\n"
    "          [--progress] [--no-wall]\n"
    "\n"
    "Runs a scenario (scenarios/*.conf; keys in docs/SIMULATION.md) of many\n"
    "nodes of the real protocol core on a simulated network, and prints a\n"
    "JSON summary. The same seed and scenario give the same output; the\n"
    "wall-clock fields (wall_seconds, events_per_second, peak_rss_mb) are the\n"
    "only ones that vary, and --no-wall prints them as 0.\n"
    "\n"
    "  --seed N, --nodes N, --txs N   override the scenario file\n"
    "  --csv FILE     write a time series, one row per simulated second\n"
    "  --progress     progress line on stderr (default when it is a terminal)\n"
    "  --no-wall      zero the wall-clock fields (byte-identical output)\n"
    "\n"
    "A scenario is a regular text file of at most 1 MiB, lines of at most 1024\n"
    "characters, with at least one setting; numbers must be finite, and\n"
    "integer keys (nodes, seed, txs, w, ...) take integers only.\n"
    "\n"
    "Exit: 0 ran, 1 the scenario file cannot be opened or read, or the\n"
    "simulation failed, 2 usage: a bad option, or a bad scenario file (a\n"
    "setting out of range, an unknown key, not a regular text file, too large).\n";

static int sim_run_cmd(const char *prog, int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 's'}, {"nodes", required_argument, NULL, 'n'},
        {"txs", required_argument, NULL, 't'}, {"csv", required_argument, NULL, 'c'},
        {"progress", no_argument, NULL, 'p'}, {"no-wall", no_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    sim_config c;
    sim_config_default(&c);
    uint64_t seed = 0, nodes = 0, txs = 0;
    bool have_seed = false, progress = isatty(STDERR_FILENO), no_wall = false;
    const char *csv_path = NULL;
    bool seen[256] = {false};
    int ch;
    cli_getopt_reset();
    while ((ch = getopt_long(argc, argv, ":s:n:t:c:pwh", opts, NULL)) != -1) {
        int rc = cli_once(prog, opts, ch, seen);
        if (rc) return rc;
        switch (ch) {
        case 's':
            if (!cli_parse_u64(optarg, 0, UINT64_MAX, &seed)) return cli_usage(prog, "--seed needs a number");
            have_seed = true;
            break;
        case 'n':
            if (!cli_parse_u64(optarg, 2, 10000000, &nodes)) return cli_usage(prog, "--nodes must be 2..10000000");
            break;
        case 't':
            if (!cli_parse_u64(optarg, 1, 1000000000, &txs)) return cli_usage(prog, "--txs must be 1..1000000000");
            break;
        case 'c': csv_path = optarg; break;
        case 'p': progress = true; break;
        case 'w': no_wall = true; break;
        case 'h': printf(run_help, prog); return CLI_EXIT_OK;
        default: return cli_bad_option(prog, ch, argv);
        }
    }
    if (optind >= argc) return cli_usage(prog, "missing SCENARIO_FILE");
    if (optind + 1 < argc) return cli_usage(prog, "unexpected argument '%s'", argv[optind + 1]);
    char err[1024];
    ec_err e = sim_config_load(&c, argv[optind], err, sizeof err);
    /* A bad setting in the file is the same mistake as a bad option: exit 2
     * for both; a file that cannot be opened or read is a failure (1). */
    if (e == EC_ERR_MALFORMED) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return CLI_EXIT_USAGE;
    }
    if (e) return cli_fail(prog, "%s", err);
    if (have_seed) c.seed = seed;
    if (nodes) c.nodes = (unsigned)nodes;
    if (txs) c.txs = (unsigned)txs;
    if (c.node.w > c.nodes)
        return cli_usage(prog, "w (%u) is larger than the network (%u nodes)", c.node.w, c.nodes);
    c.progress = progress;
    c.no_wall = no_wall;
    FILE *csv = NULL;
    if (csv_path && (csv = fopen(csv_path, "w")) == NULL)
        return cli_fail(prog, "cannot write %s: %s", csv_path, strerror(errno));
    e = sim_run(&c, stdout, csv);
    if (csv) fclose(csv);
    if (e) return cli_fail(prog, "simulation failed: %s", ec_err_str(e));
    return CLI_EXIT_OK;
}

int cmd_sim(const char *prog, int argc, char **argv)
{
    static const cli_cmd cmds[] = {
        {"run", sim_run_cmd, "run a scenario and print a JSON summary"},
        {"pos", sim_pos_cmd, "measure the proof of aligned storage against density"},
        {NULL, NULL, NULL},
    };
    return cli_dispatch(prog, cmds, argc, argv);
}
