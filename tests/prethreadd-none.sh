#!/bin/bash
# prethreadd-none: the pool tests (tests/prethreadd-pool.sh) with -l none.
STRATEGY=none
. "${TOP_SRCDIR:?run the tests through make check}/tests/prethreadd-pool.sh"
