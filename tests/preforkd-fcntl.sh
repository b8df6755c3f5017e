#!/bin/bash
# preforkd-fcntl: the pool tests (tests/preforkd-pool.sh) with -l fcntl.
STRATEGY=fcntl
. "${TOP_SRCDIR:?run the tests through make check}/tests/preforkd-pool.sh"
