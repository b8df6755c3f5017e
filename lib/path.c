/* path: the directory a path names a file in, held open; see path.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "path.h"

int
path_open_dir(const char *path, char *name, size_t size)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	size_t dirlen = slash == NULL ? 0 : (size_t)(slash - path);
	char dir[PATH_MAX];
	int fd;

	if (*base == '\0') {
		errno = EINVAL;
		return -1;
	}
	if (strlen(base) >= size || dirlen >= sizeof dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (slash == NULL)
		memcpy(dir, ".", 2);
	else if (slash == path)
		memcpy(dir, "/", 2);
	else {
		memcpy(dir, path, dirlen);
		dir[dirlen] = '\0';
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	memcpy(name, base, strlen(base) + 1);
	return fd;
}
