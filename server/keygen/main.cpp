// uun-keygen NAME: the publisher's key pair; see keygen.hpp.
#include "server/keygen/keygen.hpp"

#include <iostream>

int main(int argc, char** argv)
{
    return uun::keygen::run_keygen_cli(argc, argv, std::cout, std::cerr);
}
