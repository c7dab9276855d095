#pragma once
// Raw mode and arbitrary baud rates (250000 is not a POSIX speed) on a tty descriptor.
// Kept apart because <asm/termbits.h> and <termios.h> cannot share a translation unit.
namespace printgate::printer::detail {

bool set_raw_mode(int fd);
bool set_tty_speed(int fd, unsigned baud);
void flush_tty_input(int fd);

}  // namespace printgate::printer::detail
