// libpq, loaded the first time a PostgreSQL registry or traffic log is used.
//
// Why not link it: libpq brings ~20 shared libraries with it (Kerberos, LDAP, GnuTLS, SASL
// ...), and the dynamic loader mapped and relocated them at the start of every `trainops`
// command: 4.5 of its 19 ms of start-up CPU (bench/RESULTS.md, issue 25), for a feature
// most commands never touch. The functions below are
// the libpq functions trainops calls, with libpq's own declarations (libpq-fe.h): the
// callers are unchanged, and each forwards to the real function, looked up once.
// Implib.so generates such stubs, but it is not packaged for Debian; 27 hand-written
// forwarders are less to keep than a build-time generator.
//
// The library is `libpq.so.5` (Debian's libpq5, the soname every libpq since 8.3 has), or
// the path in TRAINOPS_LIBPQ. When it cannot be loaded, connecting (or parsing a connection
// string) throws InputError with the fix; nothing else can come before those.
#include <dlfcn.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "common/error.h"

namespace trainops {
namespace {

#define TRAINOPS_LIBPQ_FUNCTIONS(X)                                                                          \
  X(PQcmdTuples)                                                                                             \
  X(PQconnectdbParams)                                                                                       \
  X(PQconninfoFree)                                                                                          \
  X(PQconninfoParse)                                                                                         \
  X(PQconsumeInput)                                                                                          \
  X(PQerrorMessage)                                                                                          \
  X(PQexec)                                                                                                  \
  X(PQexecParams)                                                                                            \
  X(PQfinish)                                                                                                \
  X(PQfreemem)                                                                                               \
  X(PQclear)                                                                                                 \
  X(PQgetisnull)                                                                                             \
  X(PQgetlength)                                                                                             \
  X(PQgetResult)                                                                                             \
  X(PQgetvalue)                                                                                              \
  X(PQnotifies)                                                                                              \
  X(PQntuples)                                                                                               \
  X(PQputCopyData)                                                                                           \
  X(PQputCopyEnd)                                                                                            \
  X(PQreset)                                                                                                 \
  X(PQresultErrorField)                                                                                      \
  X(PQresultErrorMessage)                                                                                    \
  X(PQresultStatus)                                                                                          \
  X(PQsetNoticeProcessor)                                                                                    \
  X(PQsocket)                                                                                                \
  X(PQstatus)                                                                                                \
  X(PQunescapeBytea)

struct Libpq {
  std::string error;  // empty when every function was found
#define TRAINOPS_LIBPQ_POINTER(name) decltype(&::name) name = nullptr;
  TRAINOPS_LIBPQ_FUNCTIONS(TRAINOPS_LIBPQ_POINTER)
#undef TRAINOPS_LIBPQ_POINTER
};

Libpq Open() {
  Libpq lib;
  const char* configured = std::getenv("TRAINOPS_LIBPQ");
  const std::string name = configured && *configured ? configured : "libpq.so.5";
  // RTLD_LOCAL: its symbols stay out of the process's global scope, so nothing else
  // resolves to them by accident.
  void* handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    lib.error = fmt::format("the PostgreSQL client library {} could not be loaded ({}); install it "
                            "(Debian: apt-get install libpq5) or set TRAINOPS_LIBPQ to its path",
                            name, why ? why : "unknown reason");
    return lib;
  }
#define TRAINOPS_LIBPQ_RESOLVE(fn)                                                                       \
  lib.fn = reinterpret_cast<decltype(lib.fn)>(dlsym(handle, #fn));                                       \
  if (!lib.fn && lib.error.empty()) {                                                                    \
    lib.error = fmt::format("the PostgreSQL client library {} has no function " #fn                      \
                            "; install Debian's libpq5 (apt-get install libpq5)",   \
                            name);                                                                       \
  }
  TRAINOPS_LIBPQ_FUNCTIONS(TRAINOPS_LIBPQ_RESOLVE)
#undef TRAINOPS_LIBPQ_RESOLVE
  return lib;  // the handle stays open for the life of the process
}

// The loaded library; throws InputError with the fix when it cannot be loaded.
const Libpq& Loaded() {
  static const Libpq lib = Open();  // thread-safe: one load, whoever asks first
  if (!lib.error.empty()) throw InputError(lib.error);
  return lib;
}

}  // namespace
}  // namespace trainops

// The forwarders. Only connecting (and parsing a connection string) can come first; every
// other function takes a connection or result that libpq made, so the library is there.
// Freeing nothing needs no library (a destructor may run after a failed load).
extern "C" {

char* PQcmdTuples(PGresult* res) { return trainops::Loaded().PQcmdTuples(res); }
PGconn* PQconnectdbParams(const char* const* keywords, const char* const* values, int expand_dbname) {
  return trainops::Loaded().PQconnectdbParams(keywords, values, expand_dbname);
}
void PQconninfoFree(PQconninfoOption* options) {
  if (options) trainops::Loaded().PQconninfoFree(options);
}
PQconninfoOption* PQconninfoParse(const char* conninfo, char** errmsg) {
  return trainops::Loaded().PQconninfoParse(conninfo, errmsg);
}
int PQconsumeInput(PGconn* conn) { return trainops::Loaded().PQconsumeInput(conn); }
char* PQerrorMessage(const PGconn* conn) { return trainops::Loaded().PQerrorMessage(conn); }
PGresult* PQexec(PGconn* conn, const char* query) { return trainops::Loaded().PQexec(conn, query); }
PGresult* PQexecParams(PGconn* conn, const char* command, int nParams, const Oid* paramTypes,
                       const char* const* paramValues, const int* paramLengths, const int* paramFormats,
                       int resultFormat) {
  return trainops::Loaded().PQexecParams(conn, command, nParams, paramTypes, paramValues, paramLengths,
                                         paramFormats, resultFormat);
}
void PQfinish(PGconn* conn) {
  if (conn) trainops::Loaded().PQfinish(conn);
}
void PQfreemem(void* ptr) {
  if (ptr) trainops::Loaded().PQfreemem(ptr);
}
void PQclear(PGresult* res) {
  if (res) trainops::Loaded().PQclear(res);
}
int PQgetisnull(const PGresult* res, int tup_num, int field_num) {
  return trainops::Loaded().PQgetisnull(res, tup_num, field_num);
}
int PQgetlength(const PGresult* res, int tup_num, int field_num) {
  return trainops::Loaded().PQgetlength(res, tup_num, field_num);
}
PGresult* PQgetResult(PGconn* conn) { return trainops::Loaded().PQgetResult(conn); }
char* PQgetvalue(const PGresult* res, int tup_num, int field_num) {
  return trainops::Loaded().PQgetvalue(res, tup_num, field_num);
}
PGnotify* PQnotifies(PGconn* conn) { return trainops::Loaded().PQnotifies(conn); }
int PQntuples(const PGresult* res) { return trainops::Loaded().PQntuples(res); }
int PQputCopyData(PGconn* conn, const char* buffer, int nbytes) {
  return trainops::Loaded().PQputCopyData(conn, buffer, nbytes);
}
int PQputCopyEnd(PGconn* conn, const char* errormsg) { return trainops::Loaded().PQputCopyEnd(conn, errormsg); }
void PQreset(PGconn* conn) { trainops::Loaded().PQreset(conn); }
char* PQresultErrorField(const PGresult* res, int fieldcode) {
  return trainops::Loaded().PQresultErrorField(res, fieldcode);
}
char* PQresultErrorMessage(const PGresult* res) { return trainops::Loaded().PQresultErrorMessage(res); }
ExecStatusType PQresultStatus(const PGresult* res) { return trainops::Loaded().PQresultStatus(res); }
PQnoticeProcessor PQsetNoticeProcessor(PGconn* conn, PQnoticeProcessor proc, void* arg) {
  return trainops::Loaded().PQsetNoticeProcessor(conn, proc, arg);
}
int PQsocket(const PGconn* conn) { return trainops::Loaded().PQsocket(conn); }
ConnStatusType PQstatus(const PGconn* conn) { return trainops::Loaded().PQstatus(conn); }
unsigned char* PQunescapeBytea(const unsigned char* strtext, size_t* retbuflength) {
  return trainops::Loaded().PQunescapeBytea(strtext, retbuflength);
}

}  // extern "C"
