/*
 * path: the directory a path names a file in, held open, so that what is
 * checked, removed and made there later happens in that one directory,
 * even if someone swaps a directory of the path for a link meanwhile
 * (openat, fstatat, unlinkat on the descriptor).
 */
#ifndef TINCAN_PATH_H
#define TINCAN_PATH_H

#include <stddef.h>

/*
 * path_open_dir: open the directory of path ("." for a bare name) and
 * copy the file's name in it into name (size bytes).  Returns the
 * descriptor (close-on-exec), or -1 with errno: EINVAL when path ends in
 * '/', ENAMETOOLONG when a part does not fit.
 */
int	path_open_dir(const char *path, char *name, size_t size);

#endif
