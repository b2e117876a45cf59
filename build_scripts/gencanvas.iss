; Inno Setup 6 script for the one-folder GenCanvas bundle built by build_windows.ps1.
;   ISCC /DAppVersion=0.1.0 /DBundleDir=C:\...\dist\gencanvas /DOutputDir=C:\...\dist /DDiskSpanning=no gencanvas.iss
; Untested in CI (no Windows runner).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\dist\gencanvas"
#endif
#ifndef OutputDir
  #define OutputDir "..\dist"
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
OutputBaseFilename=GenCanvas-{#AppVersion}-setup
; A single Setup.exe cannot exceed ~2 GB; the CUDA torch bundle is larger, so it is split
; into Setup.exe plus GenCanvas-*.bin slices that must stay next to it.
DiskSpanning={#DiskSpanning}
DiskSliceSize=max
Compression=lzma2/fast
SolidCompression=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
WizardStyle=modern
; Placeholder: SignTool=signtool sign /fd SHA256 /tr http://timestamp.example /td SHA256 /a $f

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\GenCanvas"; Filename: "{app}\gencanvas.exe"
Name: "{group}\Uninstall GenCanvas"; Filename: "{uninstallexe}"
Name: "{autodesktop}\GenCanvas"; Filename: "{app}\gencanvas.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\gencanvas.exe"; Description: "{cm:LaunchProgram,GenCanvas}"; Flags: nowait postinstall skipifsilent
