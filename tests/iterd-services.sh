#!/bin/bash
# iterd-services: every stream service, through tcpcli and through nc or
# python3, byte for byte.
. "${TOP_SRCDIR:?run the tests through make check}/tests/lib.sh" || exit 99

serves_every_service iterd
