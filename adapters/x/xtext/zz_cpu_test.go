package xtext_test

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"pregonero/adapters/x/xtext"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZCPU(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	post := "¡Atención, Medellín! 🚇 El metro amplía su horario este fin de semana por la Feria de las Flores 🌸. " +
		"Consulta los cambios de rutas, estaciones con ascensor y puntos de recarga en " +
		"https://www.metrodemedellin.gov.co/horarios antes de salir. ¿Dudas? Escríbenos por mensaje directo 👩🏽\u200d💼🙌 #FeriaDeLasFlores"
	for k := 0; k < 3; k++ {
		start := cpuNow()
		const n = 20000
		for i := 0; i < n; i++ {
			benchResult = xtext.Parse(post)
		}
		t.Logf("cpu per Parse: %v", (cpuNow()-start)/n)
	}
}
