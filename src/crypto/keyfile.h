/* Secret key files.
 *
 * Format (docs/PROTOCOL.md, "Key file"): exactly three lines of text,
 *   ec-key v1
 *   seed <64 hex digits>
 *   public <64 hex digits>
 * The public key is redundant on purpose: a file whose public key does not
 * match its seed is reported corrupt instead of silently signing with a
 * different key than the one the user knows. */
#ifndef EC_CRYPTO_KEYFILE_H
#define EC_CRYPTO_KEYFILE_H

#include <stddef.h>

#include "base/err.h"
#include "crypto/sign.h"

#define EC_KEYFILE_LEN 152 /* bytes of a well-formed file */

/* Renders the file contents into buf (cap >= EC_KEYFILE_LEN + 1, NUL added). */
ec_err ec_keyfile_format(char *buf, size_t cap, const ec_keypair *kp);
/* Parses file contents. EC_ERR_TRUNCATED (a prefix of a valid file or too
 * short), EC_ERR_VERSION (an "ec-key" header of another version),
 * EC_ERR_TRAILING (extra bytes), EC_ERR_CORRUPT (anything else, including a
 * public key that does not match the seed). kp is wiped on error. */
ec_err ec_keyfile_parse(ec_keypair *kp, const char *buf, size_t len);

/* Creates `path` with mode 0600 and writes the key; never overwrites:
 * EC_ERR_EXISTS if the path exists. EC_ERR_IO (errno set) on other failures,
 * in which case no partial file is left behind. */
ec_err ec_keyfile_write(const char *path, const ec_keypair *kp);
/* Reads and parses `path`: EC_ERR_NOTFOUND if it does not exist, EC_ERR_IO
 * (errno set) if it cannot be read, else as ec_keyfile_parse. */
ec_err ec_keyfile_read(ec_keypair *kp, const char *path);

#endif
