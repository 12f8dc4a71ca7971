/*
 * The ecoplan version, recorded in every profile it writes.
 */
#ifndef ECOPLAN_CORE_VERSION_H
#define ECOPLAN_CORE_VERSION_H

#define EP_VERSION "0.1.0"

#endif
