// Package deployment holds checks that the deployment files at the
// repository root (docker-compose.yml, .env.example) agree with what the
// binaries actually read.
package deployment
