/* child: what a process loadcli forks does first; see child.h. */
#include <sys/types.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <signal.h>
#include <stddef.h>
#include <unistd.h>

#include "child.h"

const int stop_signals[NSTOP_SIGNALS] = { SIGTERM, SIGINT, SIGHUP };

/*
 * Elsewhere than Linux a child looks for itself whether its parent is
 * still there, before each connection.  The stop signals go back to their
 * default action: a SIGINT to the whole group (^C) ends the children at
 * once.
 */
void
child_follows(pid_t parent)
{
	size_t i;

#ifdef PR_SET_PDEATHSIG
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (getppid() != parent)
		_exit(1);
	for (i = 0; i < NSTOP_SIGNALS; i++)
		signal(stop_signals[i], SIG_DFL);
}
