/*
 * Functions ecoplan does not use, after git's banned.h: each has a safer
 * replacement (snprintf, gmtime_r, localtime_r, the strict parsers in
 * core/num.h). Including this header last turns a use into a build error.
 */
#ifndef ECOPLAN_CORE_BANNED_H
#define ECOPLAN_CORE_BANNED_H

#define EP_BANNED(func) sorry_##func##_is_banned_in_ecoplan

#undef strcpy
#define strcpy(x, y) EP_BANNED(strcpy)
#undef strcat
#define strcat(x, y) EP_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) EP_BANNED(strncpy)
#undef sprintf
#define sprintf(...) EP_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) EP_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) EP_BANNED(strtok)
#undef gmtime
#define gmtime(t) EP_BANNED(gmtime)
#undef localtime
#define localtime(t) EP_BANNED(localtime)
#undef atoi
#define atoi(s) EP_BANNED(atoi)
#undef atof
#define atof(s) EP_BANNED(atof)

#endif
