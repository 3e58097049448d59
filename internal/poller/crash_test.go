package poller

// crashChildEnv, when set, makes the test binary a poller that a crash
// test kills.
const crashChildEnv = "POSLINK_POLLER_CRASH_CHILD"
