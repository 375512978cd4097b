/* Command groups of the ec tool, one file each (cmd_*.c). */
#ifndef EC_CLI_COMMANDS_H
#define EC_CLI_COMMANDS_H

int cmd_key(const char *prog, int argc, char **argv);
int cmd_identity(const char *prog, int argc, char **argv);
int cmd_tx(const char *prog, int argc, char **argv);
int cmd_ledger(const char *prog, int argc, char **argv);
int cmd_sim(const char *prog, int argc, char **argv);
int cmd_node(const char *prog, int argc, char **argv);
int cmd_devnet(const char *prog, int argc, char **argv);
int cmd_submit(const char *prog, int argc, char **argv);
int cmd_get(const char *prog, int argc, char **argv);
int cmd_evidence(const char *prog, int argc, char **argv);

#include "crypto/sign.h"
#include "ledger/store.h"
#include "ledger/tx.h"
/* Loads a key file into kp; on failure prints why and returns CLI_EXIT_FAIL. */
int cli_load_key(const char *prog, const char *path, ec_keypair *kp);

/* Reads a transaction file, binary (as --out writes it) or hex (as printed
 * without --out), into buf. EC_ERR_RANGE: larger than a transaction can
 * be; EC_ERR_NOTFOUND; EC_ERR_IO (errno says why). */
ec_err cli_read_tx(const char *path, uint8_t buf[EC_TX_UDP_MAX], size_t *len);
/* Why cli_read_tx failed, in words ("too large: ..."; errno for I/O). */
const char *cli_tx_read_error(ec_err err);
/* Reads and decodes a transaction file (and its id when non-NULL). */
int cli_load_tx(const char *prog, const char *path, ec_tx *tx, ec_id *id);
/* The bond between DIR's identity and its store (store_bond.c): 0 if
 * they belong together (or were bonded now), else prints why and returns
 * CLI_EXIT_FAIL. accept_loss: a lost store is bonded anew (a warning). */
int cli_store_bond(const char *prog, const char *dir, ec_store *store, bool accept_loss);
/* Token id of a name: BLAKE3 derive-key("ec 2026-11 token name v1", name). */
void cli_token_from_name(ec_id *token, const char *name);

#endif
