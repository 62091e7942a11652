// pause is the sandbox container of every pod in the test cluster: it holds the pod's
// namespaces and does nothing until the kubelet stops it. Built here (tools/cluster/build.sh)
// because the cluster pulls from no registry.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	// As PID 1 of the pod's PID namespace (when shared), reap orphans so none stay zombies.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGCHLD)
	go func() {
		for {
			var status syscall.WaitStatus
			if _, err := syscall.Wait4(-1, &status, 0, nil); err != nil {
				select {}
			}
		}
	}()
	<-stop
}
