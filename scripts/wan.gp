# Figure 4: throughput on a 10,000-node WAN (called by scripts/figures).
# Variables set by the caller with -e:
#   term  terminal name ("pngcairo" or "png")
#   csv   ec sim run --csv output; columns:
#         second,submitted,committed,messages,delivered,lost
#         (cumulative totals at the end of each simulated second)
#   out   output PNG

set terminal term size 900,540 noenhanced
set output out

set datafile separator ","
set datafile columnheaders
set key top left box opaque
set grid xtics ytics lc rgb "#dddddd"

set title "Figure 4: 10,000 nodes on a WAN (log-normal latency, median 50 ms, p99 300 ms; 1 % loss; 100 tx/s offered)"
set xlabel "simulated time (s)"
set ylabel "cumulative transactions"
set y2label "commits per second (tx/s)"
# Commits per second sit in the lower half (right axis up to twice the
# peak rate), leaving the top left free for the key.
prev = 0
stats csv using 3 nooutput
cmax = STATS_max
stats csv using (d = $3 - prev, prev = $3, d) nooutput
rmax = STATS_max
# The x axis ends 10 s after the last commit; the simulation idles after that.
stats csv using ($3 < cmax ? $1 : 0) nooutput
tend = STATS_max + 11
set yrange [0:cmax*1.05]
set y2range [0:(rmax > 0 ? 2*rmax : 1)]
set ytics nomirror
set y2tics
set xrange [0:tend]

# Commits per second = committed(row) - committed(previous row); the rows are
# one simulated second apart, and the first row is compared with zero.
prev = 0
plot csv using 1:2 with lines lw 2 lc rgb "#1f77b4" axes x1y1 title "submitted (cumulative, left axis)", \
     csv using 1:3 with lines lw 2 lc rgb "#2ca02c" axes x1y1 title "committed (cumulative, left axis)", \
     csv using 1:(d = $3 - prev, prev = $3, d) with steps lw 1.5 lc rgb "#d62728" axes x1y2 \
         title "commits per second (right axis)"

set output
