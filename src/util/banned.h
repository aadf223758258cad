/*
 * banned.h - functions that must not be used (git, curl).
 *
 * Included after all other headers by every .c file (as git does), so a use
 * of one of these is a compile error.  Use buf_printf/snprintf, parse_*, and
 * str views instead.
 */
#ifndef LIAISON_BANNED_H
#define LIAISON_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef sscanf
#define sscanf(...) BANNED(sscanf)

#endif
