// rdf_run.C -- the histograms of macros/KCDC_analyze_example.C with RDataFrame on several threads (benchmark peer).
//
//   root -b -q 'benchmarks/rdf_run.C+("events.root", "rdf_output.root", 2)'
//
// Same names, titles and binning as the macro. Differences in method, not in result: the Array and Calor trees
// are read on their own (every entry of them belongs to one shower in a KCDC file), and the core position of each
// Array entry comes from a first, cheap pass over KCDC + KCDCM.

#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include "ROOT/RDFHelpers.hxx"
#include "ROOT/RDataFrame.hxx"
#include "TSystem.h"
#include "ROOT/RResultHandle.hxx"
#include "ROOT/RVec.hxx"
#include "TFile.h"
#include "TH1D.h"
#include "TH2D.h"
#include "TROOT.h"
#include "TTree.h"

namespace {
std::vector<double> LogEdges(int kLow, int kHigh, int perDecade)
{
   std::vector<double> edges;
   for (int k = kLow; k <= kHigh; ++k)
      edges.push_back(std::pow(10.0, k / double(perDecade)));
   return edges;
}

std::vector<double> StationCoordinate(bool wantX)
{
   std::vector<double> out;
   for (int iy = 0; iy < 16; ++iy)
      for (int ix = 0; ix < 16; ++ix) {
         if ((ix == 7 || ix == 8) && (iy == 7 || iy == 8))
            continue;
         out.push_back(((wantX ? ix : iy) - 7.5) * 13.0);
      }
   return out;
}
} // namespace

void rdf_run(const char *path = "events.root", const char *output = "rdf_output.root", int nThreads = 2)
{
   ROOT::EnableImplicitMT(nThreads);
   using ROOT::RVecD;
   using ROOT::RVecF;
   using ROOT::RVecI;
   using Model1 = ROOT::RDF::TH1DModel;
   using Model2 = ROOT::RDF::TH2DModel;
   const auto dep = LogEdges(-10, 50, 10);
   const auto ehad = LogEdges(-10, 50, 10);

   TFile input(path);
   TTree *kcdc = input.Get<TTree>("KCDC");
   kcdc->AddFriend(input.Get<TTree>("KCDCM"));
   ROOT::RDataFrame general(*kcdc);
   auto g = general.Define("ratio", "Ne / Nmu");
   std::vector<ROOT::RDF::RResultPtr<TH1D>> h1;
   std::vector<ROOT::RDF::RResultPtr<TH2D>> h2;
   h1.push_back(g.Histo1D(Model1("hE", "Reconstructed primary energy;lg(E/eV);showers", 60, 13.0, 19.0), "E"));
   h1.push_back(g.Histo1D(Model1("hNe", "Electron number;lg(N_{e});showers", 80, 0.0, 8.0), "Ne"));
   h1.push_back(g.Histo1D(Model1("hNmu", "Muon number;lg(N_{#mu});showers", 55, 1.0, 6.5), "Nmu"));
   h1.push_back(g.Histo1D(Model1("hZe", "Zenith angle;#theta [deg];showers", 35, 0.0, 70.0), "Ze"));
   h1.push_back(g.Histo1D(Model1("hAz", "Azimuth angle;#phi [deg];showers", 36, 0.0, 360.0), "Az"));
   h2.push_back(g.Histo2D(
      Model2("hCore", "Shower core position;X_{c} [m];Y_{c} [m]", 40, -100.0, 100.0, 40, -100.0, 100.0), "Xc", "Yc"));
   h2.push_back(g.Histo2D(
      Model2("hNeNmu", "Electron vs muon number;lg(N_{e});lg(N_{#mu})", 80, 0.0, 8.0, 55, 1.0, 6.5), "Ne", "Nmu"));
   h1.push_back(g.Histo1D(Model1("hRatio", "Size ratio;lg(N_{e}) / lg(N_{#mu});showers", 70, 0.2, 1.6), "ratio"));
   // The core position of each Array entry, as an entry-aligned friend tree of Array: in multi-threaded event loops
   // rdfentry_ is not the tree's entry number when a tree has several clusters (seen with ROOT 6.40), so no lookup by
   // rdfentry_; friends are read at the same entry as the main tree in every task. Each Array entry is written by
   // exactly one shower, so the threads of the Foreach never touch the same element.
   const auto nArray = input.Get<TTree>("Array")->GetEntries();
   std::vector<double> xcOf(nArray), ycOf(nArray);
   g.Filter("ArrayIdx >= 0").Foreach(
      [&](int idx, double xc, double yc) {
         xcOf[idx] = xc;
         ycOf[idx] = yc;
      },
      {"ArrayIdx", "Xc", "Yc"}); // runs the loop over KCDC
   const std::string corePath = std::string(output) + ".core.root";
   {
      TFile coreFile(corePath.c_str(), "RECREATE");
      TTree core("ArrayCore", "core position of each Array entry");
      double xc = 0, yc = 0;
      core.Branch("Xc", &xc);
      core.Branch("Yc", &yc);
      for (Long64_t i = 0; i < nArray; ++i) {
         xc = xcOf[i];
         yc = ycOf[i];
         core.Fill();
      }
      core.Write();
   }

   const auto sx = StationCoordinate(true), sy = StationCoordinate(false);
   TFile arrayFile(path);
   TTree *arrayTree = arrayFile.Get<TTree>("Array");
   arrayTree->AddFriend("ArrayCore", corePath.c_str());
   ROOT::RDataFrame array(*arrayTree);
   auto a = array
               .Define("valid", [](const RVecI &s) { return s >= 0 && s < 252; }, {"ArrivalS"})
               .Define("r",
                       [&](double xc, double yc, const RVecI &s, const RVecI &valid) {
                          RVecD r;
                          r.reserve(s.size());
                          for (size_t j = 0; j < s.size(); ++j) {
                             if (!valid[j])
                                continue;
                             const double dx = sx[s[j]] - xc;
                             const double dy = sy[s[j]] - yc;
                             const double dx2 = dx * dx;
                             const double dy2 = dy * dy;
                             r.push_back(std::sqrt(dx2 + dy2));
                          }
                          return r;
                       },
                       {"ArrayCore.Xc", "ArrayCore.Yc", "ArrivalS", "valid"})
               .Define("eValid", [](const RVecF &e, const RVecI &v) { return RVecF(e[v]); }, {"EDeposit", "valid"})
               .Define("mValid", [](const RVecF &m, const RVecI &v) { return RVecF(m[v]); }, {"MDeposit", "valid"});
   h1.push_back(a.Histo1D(Model1("hNsta", "Stations with a signal;number of stations;showers", 253, -0.5, 252.5),
                          "ArrivalN"));
   h1.push_back(a.Histo1D(
      Model1("hEDep", "e/#gamma energy deposit per station;E_{e/#gamma} [MeV];stations", dep.size() - 1, dep.data()),
      "EDeposit"));
   h1.push_back(a.Histo1D(
      Model1("hMDep", "Muon energy deposit per station;E_{#mu} [MeV];stations", dep.size() - 1, dep.data()),
      "MDeposit"));
   h1.push_back(
      a.Histo1D(Model1("hArrival", "Arrival time per station;t [ns];stations", 120, -600.0, 600.0), "Arrival"));
   h2.push_back(a.Histo2D(Model2("hEDepR", "e/#gamma deposit vs distance from the core;r [m];E_{e/#gamma} [MeV]", 40,
                                 0.0, 200.0, dep.size() - 1, dep.data()),
                          "r", "eValid"));
   h2.push_back(a.Histo2D(Model2("hMDepR", "Muon deposit vs distance from the core;r [m];E_{#mu} [MeV]", 40, 0.0,
                                 200.0, dep.size() - 1, dep.data()),
                          "r", "mValid"));
   ROOT::RDataFrame calor("Calor", path);
   h1.push_back(calor.Histo1D(
      Model1("hEhad", "Hadronic energy sum (calorimeter);E_{had} [GeV];showers", ehad.size() - 1, ehad.data()),
      "Ehad"));
   h1.push_back(calor.Histo1D(
      Model1("hNhad", "Number of hadrons (calorimeter);N_{had};showers", 250, -0.5, 249.5), "Nhad"));

   std::vector<ROOT::RDF::RResultHandle> handles;
   for (auto &h : h1)
      handles.emplace_back(h);
   for (auto &h : h2)
      handles.emplace_back(h);
   ROOT::RDF::RunGraphs(handles); // the Array and Calor loops run together

   TFile out(output, "RECREATE");
   // the macro calls Sumw2() on its histograms; RDataFrame's unweighted fills do not: add it, so
   // that the outputs can be compared object for object
   for (auto &h : h1) {
      h->Sumw2();
      h->Write();
   }
   for (auto &h : h2) {
      h->Sumw2();
      h->Write();
   }
   std::cout << "RDataFrame histograms written to: " << output << std::endl;
   gSystem->Unlink(corePath.c_str());
}
