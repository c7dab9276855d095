#pragma once
// A machine position, in mm (E: mm of filament).
namespace printgate::sim {

struct axes {
    double x = 0;
    double y = 0;
    double z = 0;
    double e = 0;
};

}  // namespace printgate::sim
