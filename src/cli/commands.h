/* Command groups of the ec tool, one file each (cmd_*.c). */
#ifndef EC_CLI_COMMANDS_H
#define EC_CLI_COMMANDS_H

int cmd_key(const char *prog, int argc, char **argv);
int cmd_identity(const char *prog, int argc, char **argv);
int cmd_tx(const char *prog, int argc, char **argv);
int cmd_ledger(const char *prog, int argc, char **argv);
int cmd_sim(const char *prog, int argc, char **argv);

#include "crypto/sign.h"
#include "ledger/tx.h"
/* Loads a key file into kp; on failure prints why and returns CLI_EXIT_FAIL. */
int cli_load_key(const char *prog, const char *path, ec_keypair *kp);

/* Reads and decodes a transaction file (and its id when non-NULL). */
int cli_load_tx(const char *prog, const char *path, ec_tx *tx, ec_id *id);
/* Token id of a name: BLAKE3 derive-key("ec 2026-11 token name v1", name). */
void cli_token_from_name(ec_id *token, const char *name);

#endif
