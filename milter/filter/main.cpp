// uun-milter: the appliance's libmilter filter for urgent update
// notifications. Everything lives in the uun_filter library (milter_main.cpp);
// the exit code says whether it started and stopped cleanly.
#include "milter/filter/milter_main.hpp"

int main(int argc, char** argv)
{
    return uun::filter::run_milter(argc, argv);
}
