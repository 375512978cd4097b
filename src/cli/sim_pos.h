/* ec sim pos (cmd_sim_pos.c): the proof of aligned storage measured. */
#ifndef EC_CLI_SIM_POS_H
#define EC_CLI_SIM_POS_H

int sim_pos_cmd(const char *prog, int argc, char **argv);

#endif
