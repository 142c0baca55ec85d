import Glibc

// Keep main.swift to one call (FACTS.md: code here is main-actor isolated).
exit(CommandLine.runGatehouse())
