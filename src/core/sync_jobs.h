/*
 * sync_jobs.h - sync as a source of background jobs (core/jobs.h): a pull
 * from each pull link on its schedule (the link's pull_interval) and a push
 * to each push link soon after something changes here (a publication), so
 * that published events reach peers within seconds.  Each is a job named by
 * sync_job_name(), under the same lease as on-demand runs, so a scheduled run
 * never overlaps another run of the same link and direction, in this process
 * or another on the same database.
 */
#ifndef LIAISON_SYNC_JOBS_H
#define LIAISON_SYNC_JOBS_H

#include "core/jobs.h"

struct sync_jobs;

/* A new source; self_url is this node's base URL (kept as a pointer: it must
 * outlive the source).  Returns owned (free with sync_jobs_free after the
 * scheduler stopped). */
struct sync_jobs *sync_jobs_new(const char *self_url);
void sync_jobs_free(struct sync_jobs *sj);
/* The source to hand to jobs_start. */
struct job_source sync_jobs_source(struct sync_jobs *sj);

#endif
