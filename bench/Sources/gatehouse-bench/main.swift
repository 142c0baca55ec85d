// Benchmark driver; filled in by the crypto benchmark work.
print("gatehouse-bench: nothing to run yet")
