# Chain sync's reach and cost against sources followed (called by
# scripts/sync-figures).
# Variables set by the caller with -e:
#   term       terminal name ("pngcairo" or "png")
#   dat        data file; columns: sources state_complete joiners_complete
#              sync_messages total_messages not_held
#   out        output PNG
#   off_state  state.complete of the run with `sync = false`
#   poll_msgs  sync messages of the run with `sync_polling = true`
#              (range + catch-up messages)

set terminal term size 960,600 noenhanced
set output out

set title "Chain sync on the join scenario (50 nodes, 5 rejoining empty): reach and cost against sources followed"
set xlabel "sources followed (sync_sources; sync_agree = 1 for 1 source, 2 otherwise)"
set ylabel "share of (token, member) pairs held at the end"
set y2label "sync messages (whole run)"

set logscale x 2
set xrange [0.7:23]
set xtics ("1" 1, "2" 2, "4" 4, "8" 8, "16" 16)
set grid xtics ytics lc rgb "#dddddd"

stats dat using 3 nooutput
jmin = STATS_min
stats dat using 4 nooutput
mmax = STATS_max
ylo = jmin < 0.85 ? floor(jmin*20)/20 : 0.85
set yrange [ylo:1.01]
set ytics ylo, 0.025, 1 nomirror format "%.3f"
# Messages: bars in the lower part, below the share lines near 1.0.
m2 = (poll_msgs > mmax ? poll_msgs : mmax)
set y2range [0:m2*1.6]
set y2tics nomirror
set format y2 "%.0f"

set bmargin 7
set key at screen 0.5, 0.015 center bottom horizontal maxcols 2 box samplen 3 font ",10"
set style fill transparent solid 0.35 border

plot dat using 1:4:($1/1.18):($1*1.18):(0):4 with boxxyerror lc rgb "#9467bd" axes x1y2 \
         title "chain sync messages (right)", \
     dat using 1:4:(sprintf("%d", $4)) with labels offset 0,0.7 axes x1y2 notitle, \
     poll_msgs with lines dt 2 lw 2 lc rgb "#9467bd" axes x1y2 \
         title sprintf("polling baseline: %.0f msgs (right)", poll_msgs), \
     off_state with lines dt 2 lw 2 lc rgb "#7f7f7f" axes x1y1 \
         title sprintf("sync off: state complete %.4f (left)", off_state), \
     dat using 1:2 with linespoints lw 2 pt 7 ps 1.2 lc rgb "#1f77b4" axes x1y1 \
         title "state complete, all live tokens (left)", \
     dat using 1:3 with linespoints lw 2 pt 5 ps 1.2 lc rgb "#d62728" axes x1y1 \
         title "joiners complete, 5 rejoined nodes (left)"

set output
