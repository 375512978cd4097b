#include "base/err.h"

const char *ec_err_str(ec_err err)
{
    switch (err) {
    case EC_OK: return "ok";
    case EC_ERR_ARG: return "invalid argument";
    case EC_ERR_NOMEM: return "out of memory";
    case EC_ERR_TRUNCATED: return "input truncated";
    case EC_ERR_TRAILING: return "trailing bytes after the encoding";
    case EC_ERR_VERSION: return "unknown version";
    case EC_ERR_MALFORMED: return "malformed field";
    case EC_ERR_HEX: return "invalid hexadecimal";
    case EC_ERR_SIGNATURE: return "signature does not verify";
    case EC_ERR_POW: return "proof of work below the required difficulty";
    case EC_ERR_IO: return "input/output error";
    case EC_ERR_EXISTS: return "file already exists";
    case EC_ERR_NOTFOUND: return "not found";
    case EC_ERR_CORRUPT: return "data is corrupt";
    case EC_ERR_CRYPTO: return "crypto library failure";
    case EC_ERR_RANGE: return "value out of range";
    case EC_ERR_PREFIX: return "address outside the required neighborhood";
    case EC_ERR_MISMATCH: return "values do not match";
    case EC_ERR_PERM: return "permission denied";
    }
    return "unknown error";
}
