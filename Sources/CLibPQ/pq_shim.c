#include "pq_shim.h"
