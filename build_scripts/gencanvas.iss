; Inno Setup 6 script for the one-folder GenCanvas bundle (build_windows.ps1), compiled by
; make_installer_windows.ps1:
;   ISCC /DAppVersion=0.1.0 /DBundleDir=C:\...\dist\gencanvas /DOutputDir=C:\...\dist
;        /DOutputBaseName=GenCanvas-0.1.0-windows-x86_64-gpu-setup /DDiskSpanning=no gencanvas.iss

; x64compatible (below) is an Inno Setup 6.3 architecture identifier.
#if Ver < EncodeVer(6, 3, 0)
  #error Inno Setup 6.3 or newer is required
#endif

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\dist\gencanvas"
#endif
#ifndef OutputDir
  #define OutputDir "..\dist"
#endif
#ifndef OutputBaseName
  #define OutputBaseName "GenCanvas-" + AppVersion + "-setup"
#endif
#ifndef DiskSpanning
  #define DiskSpanning "no"
#endif

[Setup]
AppId={{6C1F8E2A-3B7D-4E59-9A0C-5D2B8F4E7A11}
AppName=GenCanvas
AppVersion={#AppVersion}
AppPublisher=GenCanvas
DefaultDirName={autopf}\GenCanvas
DefaultGroupName=GenCanvas
UninstallDisplayIcon={app}\gencanvas.exe
OutputDir={#OutputDir}
OutputBaseFilename={#OutputBaseName}
; A single Setup.exe cannot exceed ~2 GB; the CUDA torch bundle is larger, so it is split
; into Setup.exe plus <OutputBaseName>-N.bin slices that must stay next to it.
DiskSpanning={#DiskSpanning}
DiskSliceSize=max
Compression=lzma2/fast
SolidCompression=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Per-user installs (no admin rights) are offered in a dialog; {autopf} and {autodesktop}
; follow the choice.
PrivilegesRequiredOverridesAllowed=dialog
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An update (or a switch between the gpu and cpu editions) must not leave the previous
; version's libraries next to the new ones: a stale torch DLL would be loaded by the new app.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\GenCanvas"; Filename: "{app}\gencanvas.exe"
Name: "{group}\Uninstall GenCanvas"; Filename: "{uninstallexe}"
Name: "{autodesktop}\GenCanvas"; Filename: "{app}\gencanvas.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\gencanvas.exe"; Description: "{cm:LaunchProgram,GenCanvas}"; Flags: nowait postinstall skipifsilent
