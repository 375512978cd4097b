/* The bond between a node's identity and its store (docs/NODE.md, "A lost
 * store"). A node that loses its store loses what it signed: its sticky
 * votes, its commit chain, the heads it claimed. Started again with the
 * same key on an empty store, it can sign a +1 for the rival of a
 * transfer it voted for, a second block at a height it signed, or a
 * sibling head: evidence that convicts it (core/evidence.h,
 * chain_evidence.h, claims.h), honestly earned by nobody. So the two are
 * bonded: the store holds a random 16-byte id ("sb" record) and
 * DIR/store.bond (beside the key) holds the same id. A store without the
 * id while the bond file exists is a lost or replaced store: the node
 * refuses to start unless told to accept it (--accept-store-loss), and
 * says what to do. No bond file yet (a new node, or one from before the
 * bond): written now. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "crypto/hex.h"

#define BOND_LEN 16

static const uint8_t bond_key[2] = {'s', 'b'};

/* DIR/store.bond: 32 hex digits and a newline; 1 read, 0 none, -1 bad. */
static int read_file(const char *path, uint8_t id[BOND_LEN])
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return errno == ENOENT ? 0 : -1;
    char line[2 * BOND_LEN + 2]; /* one more than the file: a longer one is refused */
    size_t n = fread(line, 1, sizeof line, f);
    fclose(f);
    if (n != sizeof line - 1 || line[2 * BOND_LEN] != '\n') return -1;
    line[2 * BOND_LEN] = '\0';
    return ec_hex_decode(id, BOND_LEN, line) == EC_OK ? 1 : -1;
}

/* Written whole or not at all (a temporary file, synced, renamed). */
static int write_file(const char *path, const uint8_t id[BOND_LEN])
{
    char tmp[4300], line[2 * BOND_LEN + 1];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    ec_hex_encode(line, id, BOND_LEN);
    line[2 * BOND_LEN] = '\n';
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    bool ok = write(fd, line, sizeof line) == (ssize_t)sizeof line && fsync(fd) == 0;
    if (close(fd) != 0) ok = false;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static ec_err put_store(ec_store *store, const uint8_t id[BOND_LEN])
{
    ec_err err = ec_store_begin(store);
    if (err) return err;
    err = ec_store_put_rec(store, bond_key, sizeof bond_key, id, BOND_LEN);
    if (err) {
        ec_store_abort(store);
        return err;
    }
    return ec_store_commit(store);
}

int cli_store_bond(const char *prog, const char *dir, ec_store *store, bool accept_loss)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/store.bond", dir);
    uint8_t in_file[BOND_LEN], in_store[BOND_LEN];
    size_t len = 0;
    errno = 0;
    int f = read_file(path, in_file);
    if (f < 0) return cli_fail(prog, "%s is not a store bond (32 hex digits and a newline)%s%s", path,
                               errno ? ": " : "", errno ? strerror(errno) : "");
    ec_err err = ec_store_get_rec(store, bond_key, sizeof bond_key, in_store, sizeof in_store, &len);
    bool has_store = err == EC_OK && len == BOND_LEN;
    if (err != EC_OK && err != EC_ERR_NOTFOUND)
        return cli_fail(prog, "cannot read the store's bond: %s", ec_err_str(err));
    if (f == 1 && has_store && memcmp(in_file, in_store, BOND_LEN) == 0) return CLI_EXIT_OK;
    if (f == 1 && !accept_loss) {
        return cli_fail(prog,
                        "%s/store is not the store this identity signed with (%s): its votes, commit chain and "
                        "claims are gone, and signing again with the same key can sign statements that convict "
                        "this node as an equivocator. Restore the store from a backup; or start afresh with a new "
                        "identity (move key.ec, identity.ec and store.bond out of %s); or, knowing the risk, "
                        "start with --accept-store-loss",
                        dir, has_store ? "another store's bond" : "the store has no bond: it was lost or replaced",
                        dir);
    }
    if (f == 1) fprintf(stderr, "%s: warning: starting on a store this identity did not sign with "
                                "(--accept-store-loss): a new bond is written\n", prog);
    uint8_t id[BOND_LEN];
    if (has_store && f == 0) {
        memcpy(id, in_store, BOND_LEN); /* a store from before the bond file: the file follows it */
    } else {
        randombytes_buf(id, sizeof id);
        if ((err = put_store(store, id)) != EC_OK)
            return cli_fail(prog, "cannot write the store's bond: %s", ec_err_str(err));
    }
    if (write_file(path, id) != 0) return cli_fail(prog, "cannot write %s: %s", path, strerror(errno));
    return CLI_EXIT_OK;
}
