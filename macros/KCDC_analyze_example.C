// KCDC_analyze_example.C -- the KCDC masterclass example analysis of events.root, in ROOT C++.
//
// What it does
//   1. opens events.root, the KCDC ROOT file of the masterclass
//      (SmallDataSample_withDataArrays_ROOT.zip holds one), with its four trees:
//        KCDC   general data, one entry per air shower: E [lg(E/eV)], Ne, Nmu [log10 of the numbers],
//               Ze, Az [deg], Xc, Yc [m] (and Age, T, P, Gt, Mt, R, Ev, which this example does not use)
//        KCDCM  mapping, one entry per shower: ArrayIdx, CalorIdx = entry of the Array / Calor tree, -1 if none
//        Array  per-station data of the KASCADE array (only showers that have it): ArrivalN stations with
//               a signal, ArrivalS[ArrivalN] station ids 0-251, EDeposit / MDeposit [MeV], Arrival [ns]
//        Calor  central calorimeter (only showers that have it): Ehad [GeV], Nhad
//   2. loops over the showers, reads the Array and Calor entries through the KCDCM mapping,
//   3. fills histograms (energy, Ne, Nmu, angles, core map, Ne-Nmu, Ne/Nmu, hadrons, stations, deposits,
//      arrival times, deposits vs distance from the core),
//   4. writes them to KCDC_analyze_example_output.root in the current working directory.
//
// How to run it
//   ROOT C++ kernel / ROOT prompt:   .L KCDC_analyze_example.C      then  path_to_data = "my/events.root"; run();
//   compiled (faster, ACLiC):        .L KCDC_analyze_example.C+     then  run();
//   batch:   root -b -q 'KCDC_analyze_example.C+("events.root", "KCDC_analyze_example_output.root")'
//   ROOT reads a file inside an uncompressed ("stored") zip as "archive.zip#events.root".
//
// The Python twin, kcdc_hep.analyses.example.run() (command line: kcdc-hep run events.root), fills the same histograms
// (names, titles, binning, entries, errors, statistics) without ROOT; `kcdc-hep compare A B` checks them bin by bin.
// If you change a histogram here, change it in kcdc_hep/example.py too.

#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include "TFile.h"
#include "TH1.h"
#include "TH1D.h"
#include "TH2D.h"
#include "TROOT.h"
#include "TTree.h"

// ---- edit this line to analyse another file -------------------------------------------------------------
std::string path_to_data = "events.root";
// ----------------------------------------------------------------------------------------------------------

// Name of the output file (written into the current working directory unless you give a path).
const char *kDefaultOutput = "KCDC_analyze_example_output.root";

// The KASCADE array: 252 stations on a 16 x 16 grid of 13 m spacing centred on (0, 0), without the 4 central
// positions (where the central detector stands). Station id = position in this list, row by row (y outer, x inner).
const int kMaxStations = 252;
double gStationX[kMaxStations];
double gStationY[kMaxStations];

void FillStationPositions()
{
   int id = 0;
   for (int iy = 0; iy < 16; ++iy) {
      for (int ix = 0; ix < 16; ++ix) {
         if ((ix == 7 || ix == 8) && (iy == 7 || iy == 8))
            continue; // the centre of the array has no station
         gStationX[id] = (ix - 7.5) * 13.0;
         gStationY[id] = (iy - 7.5) * 13.0;
         ++id;
      }
   }
}

// Bin edges 10^(k / perDecade) for k = kLow ... kHigh: equal steps on a logarithmic axis.
std::vector<double> LogEdges(int kLow, int kHigh, int perDecade)
{
   std::vector<double> edges;
   for (int k = kLow; k <= kHigh; ++k)
      edges.push_back(std::pow(10.0, k / double(perDecade)));
   return edges;
}

// A TH1D / TH2D that keeps the sum of squared weights (the errors) and is not owned by any open file.
TH1D *Make1D(const char *name, const char *title, int n, double lo, double hi)
{
   TH1D *h = new TH1D(name, title, n, lo, hi);
   h->SetDirectory(nullptr);
   h->Sumw2();
   return h;
}

TH1D *Make1D(const char *name, const char *title, const std::vector<double> &edges)
{
   TH1D *h = new TH1D(name, title, int(edges.size()) - 1, edges.data());
   h->SetDirectory(nullptr);
   h->Sumw2();
   return h;
}

TH2D *Make2D(const char *name, const char *title, int nx, double xlo, double xhi, const std::vector<double> &yedges)
{
   TH2D *h = new TH2D(name, title, nx, xlo, xhi, int(yedges.size()) - 1, yedges.data());
   h->SetDirectory(nullptr);
   h->Sumw2();
   return h;
}

TH2D *Make2D(const char *name, const char *title, int nx, double xlo, double xhi, int ny, double ylo, double yhi)
{
   TH2D *h = new TH2D(name, title, nx, xlo, xhi, ny, ylo, yhi);
   h->SetDirectory(nullptr);
   h->Sumw2();
   return h;
}

// Distance [m] of station `id` from the shower core (xc, yc) [m], in the plane of the array.
double CoreDistance(int id, double xc, double yc)
{
   const double dx = gStationX[id] - xc;
   const double dy = gStationY[id] - yc;
   const double dx2 = dx * dx; // separate statements: no fused multiply-add, the same result everywhere
   const double dy2 = dy * dy;
   return std::sqrt(dx2 + dy2);
}

void run(const char *path, const char *output = nullptr)
{
   if (output == nullptr || output[0] == '\0')
      output = kDefaultOutput;
   FillStationPositions();

   // ---- 1. open the file and its trees ----------------------------------------------------------------
   TFile *input = TFile::Open(path, "READ");
   if (!input || input->IsZombie()) {
      std::cerr << "Error: cannot open " << path << " (check path_to_data)" << std::endl;
      return;
   }
   TTree *kcdc = input->Get<TTree>("KCDC");   // general data
   TTree *kcdcm = input->Get<TTree>("KCDCM"); // mapping to the component trees
   TTree *array = input->Get<TTree>("Array"); // per-station data (may be absent)
   TTree *calor = input->Get<TTree>("Calor"); // calorimeter data (may be absent)
   if (!kcdc) {
      std::cerr << "Error: " << path << " has no tree KCDC; is it a KCDC events.root?" << std::endl;
      delete input;
      return;
   }
   if (!kcdcm) { // without the mapping the component trees cannot be joined to the showers
      array = nullptr;
      calor = nullptr;
   }

   const Long64_t nEvents = kcdc->GetEntries();
   std::cout << "Input file:" << path << std::endl;
   std::cout << "KCDC-Entries read from files: " << nEvents << std::endl;
   std::cout << "KCDCM-Entries: " << (kcdcm ? kcdcm->GetEntries() : 0) << std::endl;
   std::cout << "Array Entries: " << (array ? array->GetEntries() : 0) << std::endl;
   std::cout << "Calor Entries: " << (calor ? calor->GetEntries() : 0) << std::endl;

   // ---- 2. connect the branches we need to variables (reading only these makes the loop fast) -------
   Double_t E, Ne, Nmu, Ze, Az, Xc, Yc;
   const char *generalBranches[] = {"E", "Ne", "Nmu", "Ze", "Az", "Xc", "Yc"};
   Double_t *generalValues[] = {&E, &Ne, &Nmu, &Ze, &Az, &Xc, &Yc};
   kcdc->SetBranchStatus("*", false);
   for (int b = 0; b < 7; ++b) {
      if (!kcdc->GetBranch(generalBranches[b])) {
         std::cerr << "Error: tree KCDC has no branch " << generalBranches[b] << std::endl;
         delete input;
         return;
      }
      kcdc->SetBranchStatus(generalBranches[b], true);
      kcdc->SetBranchAddress(generalBranches[b], generalValues[b]);
   }

   Int_t arrayIdx = -1, calorIdx = -1;
   if (kcdcm) {
      if (array && kcdcm->GetBranch("ArrayIdx"))
         kcdcm->SetBranchAddress("ArrayIdx", &arrayIdx);
      else
         array = nullptr;
      if (calor && kcdcm->GetBranch("CalorIdx"))
         kcdcm->SetBranchAddress("CalorIdx", &calorIdx);
      else
         calor = nullptr;
   }

   // a station list is never longer than the number of stations
   Int_t nStations = 0;
   Int_t stationId[kMaxStations];
   Float_t eDeposit[kMaxStations], muDeposit[kMaxStations], arrival[kMaxStations];
   if (array) {
      array->SetBranchStatus("*", false);
      const char *arrayBranches[] = {"ArrivalN", "ArrivalS", "EDeposit", "MDeposit", "Arrival"};
      for (const char *name : arrayBranches)
         array->SetBranchStatus(name, true);
      array->SetBranchAddress("ArrivalN", &nStations);
      array->SetBranchAddress("ArrivalS", stationId);
      array->SetBranchAddress("EDeposit", eDeposit);
      array->SetBranchAddress("MDeposit", muDeposit);
      array->SetBranchAddress("Arrival", arrival);
   }
   Double_t Ehad = 0;
   Int_t Nhad = 0;
   if (calor) {
      calor->SetBranchAddress("Ehad", &Ehad);
      calor->SetBranchAddress("Nhad", &Nhad);
   }

   // ---- 3. book the histograms (name, "title;x axis;y axis", bins, low, high) ------------------------
   const std::vector<double> depositEdges = LogEdges(-10, 50, 10); // 0.1 MeV ... 100 GeV, 10 bins per decade
   const std::vector<double> ehadEdges = LogEdges(-10, 50, 10);    // 0.1 GeV ... 100 TeV

   TH1D *hE = Make1D("hE", "Reconstructed primary energy;lg(E/eV);showers", 60, 13.0, 19.0);
   TH1D *hNe = Make1D("hNe", "Electron number;lg(N_{e});showers", 80, 0.0, 8.0);
   TH1D *hNmu = Make1D("hNmu", "Muon number;lg(N_{#mu});showers", 55, 1.0, 6.5);
   TH1D *hZe = Make1D("hZe", "Zenith angle;#theta [deg];showers", 35, 0.0, 70.0);
   TH1D *hAz = Make1D("hAz", "Azimuth angle;#phi [deg];showers", 36, 0.0, 360.0);
   TH2D *hCore = Make2D("hCore", "Shower core position;X_{c} [m];Y_{c} [m]", 40, -100.0, 100.0, 40, -100.0, 100.0);
   TH2D *hNeNmu = Make2D("hNeNmu", "Electron vs muon number;lg(N_{e});lg(N_{#mu})", 80, 0.0, 8.0, 55, 1.0, 6.5);
   TH1D *hRatio = Make1D("hRatio", "Size ratio;lg(N_{e}) / lg(N_{#mu});showers", 70, 0.2, 1.6);
   TH1D *hEhad = Make1D("hEhad", "Hadronic energy sum (calorimeter);E_{had} [GeV];showers", ehadEdges);
   TH1D *hNhad = Make1D("hNhad", "Number of hadrons (calorimeter);N_{had};showers", 250, -0.5, 249.5);
   TH1D *hNsta = Make1D("hNsta", "Stations with a signal;number of stations;showers", 253, -0.5, 252.5);
   TH1D *hEDep = Make1D("hEDep", "e/#gamma energy deposit per station;E_{e/#gamma} [MeV];stations", depositEdges);
   TH1D *hMDep = Make1D("hMDep", "Muon energy deposit per station;E_{#mu} [MeV];stations", depositEdges);
   TH1D *hArrival = Make1D("hArrival", "Arrival time per station;t [ns];stations", 120, -600.0, 600.0);
   TH2D *hEDepR = Make2D("hEDepR", "e/#gamma deposit vs distance from the core;r [m];E_{e/#gamma} [MeV]", 40,
                         0.0, 200.0, depositEdges);
   TH2D *hMDepR =
      Make2D("hMDepR", "Muon deposit vs distance from the core;r [m];E_{#mu} [MeV]", 40, 0.0, 200.0, depositEdges);

   // ---- 4. the event loop -------------------------------------------------------------------------------
   for (Long64_t i = 0; i < nEvents; ++i) {
      kcdc->GetEntry(i);
      hE->Fill(E);
      hNe->Fill(Ne);
      hNmu->Fill(Nmu);
      hZe->Fill(Ze);
      hAz->Fill(Az);
      hCore->Fill(Xc, Yc);
      hNeNmu->Fill(Ne, Nmu);
      hRatio->Fill(Ne / Nmu);

      if (!kcdcm)
         continue;
      kcdcm->GetEntry(i);
      if (array && arrayIdx >= 0) { // this shower has array data: read its entry of the Array tree
         array->GetEntry(arrayIdx);
         if (nStations > kMaxStations) {
            std::cerr << "Error: Array entry " << arrayIdx << " lists " << nStations << " stations (at most "
                      << kMaxStations << ")" << std::endl;
            break;
         }
         hNsta->Fill(nStations);
         for (int j = 0; j < nStations; ++j) {
            hEDep->Fill(eDeposit[j]);
            hMDep->Fill(muDeposit[j]);
            hArrival->Fill(arrival[j]);
            const int id = stationId[j];
            if (id < 0 || id >= kMaxStations)
               continue; // not a station of the array
            const double r = CoreDistance(id, Xc, Yc);
            hEDepR->Fill(r, eDeposit[j]);
            hMDepR->Fill(r, muDeposit[j]);
         }
      }
      if (calor && calorIdx >= 0) { // this shower has calorimeter data
         calor->GetEntry(calorIdx);
         hEhad->Fill(Ehad);
         hNhad->Fill(Nhad);
      }
   }

   // ---- 5. write the histograms -------------------------------------------------------------------------
   TFile out(output, "RECREATE");
   if (out.IsZombie()) {
      std::cerr << "Error: cannot write " << output << std::endl;
      delete input;
      return;
   }
   TH1 *all[] = {hE,    hNe,   hNmu,  hZe,  hAz,  hCore,    hNeNmu, hRatio,
                 hEhad, hNhad, hNsta, hEDep, hMDep, hArrival, hEDepR, hMDepR};
   for (TH1 *h : all) {
      out.WriteObject(h, h->GetName());
      delete h;
   }
   out.Close();
   delete input;
   std::cout << "Histograms written to: " << output << std::endl;
}

// run() analyses path_to_data (edit it above, or set it before calling run()).
void run()
{
   run(path_to_data.c_str(), kDefaultOutput);
}

// Called by `root -b -q 'KCDC_analyze_example.C("events.root", "out.root")'` (ROOT calls the function named
// like the file); without arguments it analyses path_to_data.
void KCDC_analyze_example(const char *path = nullptr, const char *output = nullptr)
{
   run(path ? path : path_to_data.c_str(), output);
}
