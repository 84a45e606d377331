// Package fakenet holds what every wire-faithful network fake shares: the
// ledger of accepted posts behind GET /_sandbox/posts (in memory, or also
// in a file that outlives a restart, see Ledger.Open), the fault rules
// behind /_sandbox/faults, a settable clock and fixed-window rate counters.
//
// The fakes (X, Facebook, Instagram and YouTube) record into one
// Ledger and consult one Faults, so a script sees every network through the
// same two endpoints whether the fakes run in `pregonero sandbox` or inside
// a test.
package fakenet
