/* Key tables: finding the action bound to a key. */
#include "widgets/keys.h"

int keys_match(const struct keydef *defs, size_t n, struct key k)
{
    int id = key_id(k);
    if (id == 0) /* 0 ends a key list, so it can never be bound */
        return -1;
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < KEYDEF_MAX_KEYS && defs[i].keys[j] != 0; j++)
            if (defs[i].keys[j] == id)
                return defs[i].action;
    return -1;
}
