"""A slow but honest student: the run is still going when it is stopped."""
import time

time.sleep(0.4)
