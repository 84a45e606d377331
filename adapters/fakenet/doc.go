// Package fakenet holds what every wire-faithful network fake shares: the
// ledger of accepted posts behind GET /_sandbox/posts, the fault rules
// behind /_sandbox/faults, a settable clock and fixed-window rate counters.
//
// The fakes (X, and later Facebook, Instagram and YouTube) record into one
// Ledger and consult one Faults, so a script sees every network through the
// same two endpoints whether the fakes run in `pregonero sandbox` or inside
// a test.
package fakenet
