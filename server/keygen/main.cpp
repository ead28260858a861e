// uun-keygen NAME: the publisher's key pair; see keygen.hpp.
#include <iostream>

#include "server/keygen/keygen.hpp"

int main(int argc, char** argv)
{
    return uun::keygen::run_keygen_cli(argc, argv, std::cout, std::cerr);
}
