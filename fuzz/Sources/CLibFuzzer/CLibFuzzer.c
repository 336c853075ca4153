// Header only: LLVMFuzzerRunDriver comes from compiler-rt's libFuzzer, linked by -sanitize=fuzzer.
#include "CLibFuzzer.h"
