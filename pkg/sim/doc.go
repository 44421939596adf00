// Package sim will hold the device fleet simulator engine (no UI).
package sim
