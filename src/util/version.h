/*
 * version.h - Liaison's own version (the MISP compatibility version is in
 * http/misp_server.c).
 */
#ifndef LIAISON_VERSION_H
#define LIAISON_VERSION_H

#define LIAISON_VERSION "0.1.0"

#endif
