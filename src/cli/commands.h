/* Command groups of the ec tool, one file each (cmd_*.c). */
#ifndef EC_CLI_COMMANDS_H
#define EC_CLI_COMMANDS_H

int cmd_key(const char *prog, int argc, char **argv);
int cmd_identity(const char *prog, int argc, char **argv);

#include "crypto/sign.h"
/* Loads a key file into kp; on failure prints why and returns CLI_EXIT_FAIL. */
int cli_load_key(const char *prog, const char *path, ec_keypair *kp);

#endif
