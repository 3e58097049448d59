// Package sim holds poslink's stand-ins for the services it cannot reach
// here: Ubiregi (ubiregi/), Smaregi (smaregi/) and the camera cloud
// (camcloud/). They speak the real APIs as documented and observed, generate
// their data from a seed and the clock (shop/) instead of storing it, and take
// faults on demand (fault/) on a clock that tests can move (simclock/).
//
// Only the demo, the `poslink sim` command and tests import them.
package sim
