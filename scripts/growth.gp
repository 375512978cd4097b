# Figure 3: growth with network size (called by scripts/figures).
# Variables set by the caller with -e:
#   term  terminal name ("pngcairo" or "png")
#   dat   data file; columns: nodes msgs_per_commit rounds_p50 rounds_p95
#         rounds_p99 latency_p50_s latency_p95_s scenario
#   out   output PNG
# The dashed lines are least-squares fits of a + b*log10(N), drawn when
# there are at least three points, to show how far each series is from
# logarithmic growth.

set terminal term size 900,540 noenhanced
set output out

stats dat using 1 nooutput
npts = STATS_records
xmin = STATS_min
xmax = STATS_max

set logscale x 10
set xrange [xmin/1.6:xmax*1.6]
set format x "%.0f"
set grid xtics ytics mxtics lc rgb "#dddddd"
set key bottom right box opaque
set datafile missing "-"
set fit quiet
set fit logfile "/dev/null"

set multiplot layout 1,2 title "Figure 3: growth with network size (round model: 100 ms rounds, 2 % loss, 30 tx/s)"

# --- left: messages per commit ---------------------------------------------
set title "Messages per committed transaction"
set xlabel "nodes N (log scale)"
set ylabel "messages per commit (all node-to-node messages / commits)"
stats dat using 2 nooutput
set yrange [0:STATS_max*1.25]
if (npts >= 3) {
  ma = 1; mb = 1
  fit ma + mb*log10(x) dat using 1:2 via ma, mb
  plot dat using 1:2 with linespoints lw 2 pt 7 ps 1.2 lc rgb "#1f77b4" title "messages / commit", \
       ma + mb*log10(x) with lines dt 2 lc rgb "#1f77b4" \
         title sprintf("fit %.1f + %.1f log10 N", ma, mb)
} else {
  plot dat using 1:2 with linespoints lw 2 pt 7 ps 1.2 lc rgb "#1f77b4" title "messages / commit"
}

# --- right: commit latency in rounds ---------------------------------------
set title "Commit latency in rounds (1 round = 100 ms)"
set ylabel "latency, submit to commit (rounds)"
stats dat using 4 nooutput
set yrange [0:STATS_max*1.25]
if (npts >= 3) {
  p5a = 1; p5b = 1; p9a = 1; p9b = 1
  fit p5a + p5b*log10(x) dat using 1:3 via p5a, p5b
  fit p9a + p9b*log10(x) dat using 1:4 via p9a, p9b
  plot dat using 1:3 with linespoints lw 2 pt 7 ps 1.2 lc rgb "#2ca02c" title "p50", \
       dat using 1:4 with linespoints lw 2 pt 5 ps 1.2 lc rgb "#d62728" title "p95", \
       p5a + p5b*log10(x) with lines dt 2 lc rgb "#2ca02c" \
         title sprintf("fit p50: %.1f + %.1f log10 N", p5a, p5b), \
       p9a + p9b*log10(x) with lines dt 2 lc rgb "#d62728" \
         title sprintf("fit p95: %.1f + %.1f log10 N", p9a, p9b)
} else {
  plot dat using 1:3 with linespoints lw 2 pt 7 ps 1.2 lc rgb "#2ca02c" title "p50", \
       dat using 1:4 with linespoints lw 2 pt 5 ps 1.2 lc rgb "#d62728" title "p95"
}

unset multiplot
set output
