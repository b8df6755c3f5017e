/*
 * child: what every process loadcli forks does first (the children that
 * make the load, and the holder of -H): die with loadcli, however it ends.
 */
#ifndef TINCAN_CHILD_H
#define TINCAN_CHILD_H

#include <sys/types.h>

/* The signals that end a run early, in the parent; in a child, as they were. */
#define NSTOP_SIGNALS	3
extern const int stop_signals[NSTOP_SIGNALS];	/* SIGTERM, SIGINT, SIGHUP */

/*
 * child_follows: in a new child of parent, die with the parent: on Linux
 * the kernel sends SIGKILL when it dies; a parent that died before this
 * ran is seen at once, and the child exits 1.  The stop signals take their
 * default action again.
 */
void	child_follows(pid_t parent);

#endif
